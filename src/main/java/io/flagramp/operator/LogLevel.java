package io.flagramp.operator;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * FLAGRAMP_LOG_LEVEL: the least severe event the operator logs. {@code error} and {@code warn} quiet the
 * libraries too; {@code debug} is for flagramp's own decisions, so JOSDK and Fabric8 (whose debug lines
 * are many per request) stay at {@code info}.
 */
public enum LogLevel {
  error(Level.ERROR), warn(Level.WARN), info(Level.INFO), debug(Level.DEBUG);

  private static final String OWN_LOGGERS = "io.flagramp";

  private final Level level;

  LogLevel(Level level) {
    this.level = level;
  }

  static LogLevel parse(String key, String value) {
    try {
      return valueOf(value.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": \"" + value + "\" is none of "
          + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
  }

  /** The level of flagramp's loggers and of the others, by log4j's configuration. */
  public void apply() {
    Configurator.setRootLevel(level.isMoreSpecificThan(Level.INFO) ? level : Level.INFO);
    Configurator.setLevel(OWN_LOGGERS, level);
  }
}
