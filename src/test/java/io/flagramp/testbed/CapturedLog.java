package io.flagramp.testbed;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log event of one package (and those below it), at every level down to TRACE, while open: its
 * message as formatted and the message of each throwable it carries, so a test can read all a log
 * line would show. Only for tests run one at a time, since it changes the shared log4j configuration.
 */
public final class CapturedLog implements AutoCloseable {

  private final String logger;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<LogEvent> events = new CopyOnWriteArrayList<>();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final AbstractAppender appender;

  /** Captures what the loggers of {@code pkg} (e.g. {@code io.flagramp.metrics}) write. */
  public CapturedLog(String pkg) {
    this.logger = pkg;
    appender = new AbstractAppender("captured-log-" + pkg, null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLevel() + " " + event.getLoggerName() + " "
            + event.getMessage().getFormattedMessage());
        for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
          line.append(" | ").append(t);
        }
        lines.add(line.toString());
        events.add(event.toImmutable());
      }
    };
    appender.start();
    Configuration configuration = context.getConfiguration();
    LoggerConfig config = new LoggerConfig(pkg, Level.ALL, false);
    config.addAppender(appender, Level.ALL, null);
    configuration.addLogger(pkg, config);
    context.updateLoggers();
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The events themselves, for a test to lay them out as a configured layout would. */
  public List<LogEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    context.getConfiguration().removeLogger(logger);
    context.updateLoggers();
    appender.stop();
  }
}
