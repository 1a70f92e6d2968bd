package io.flagramp.operator;

import io.flagramp.core.Printable;
import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;

/**
 * {@code %printable{pattern}} in a log4j2 pattern: what {@code pattern} writes, with every control
 * character shown as an escape ({@link Printable}). The text log wraps its whole event in it, the
 * message and any stack trace included, so that an event is one line whatever it quotes: a newline in
 * an abort's reason is {@code \n} on that line, not a second line that looks like the operator's own,
 * and an ESC in a ConfigMap's value cannot act on the terminal of whoever reads the log.
 */
@Plugin(name = "PrintableConverter", category = PatternConverter.CATEGORY)
@ConverterKeys("printable")
public final class PrintableConverter extends LogEventPatternConverter {

  private final List<PatternFormatter> formatters;

  private PrintableConverter(List<PatternFormatter> formatters) {
    super("printable", "printable");
    this.formatters = formatters;
  }

  /** Called by log4j2 for {@code %printable{pattern}}; null (log4j2 reports it) without a pattern. */
  public static PrintableConverter newInstance(Configuration config, String[] options) {
    if (options.length != 1 || options[0] == null) {
      LOGGER.error("%printable takes one pattern, as in %printable{%msg}");
      return null;
    }
    return new PrintableConverter(PatternLayout.createPatternParser(config).parse(options[0]));
  }

  @Override
  public void format(LogEvent event, StringBuilder toAppendTo) {
    int start = toAppendTo.length();
    for (PatternFormatter formatter : formatters) {
      formatter.format(event, toAppendTo);
    }
    if (Printable.isPrintable(toAppendTo, start)) {
      return;
    }
    String written = toAppendTo.substring(start);
    toAppendTo.setLength(start);
    Printable.append(written, toAppendTo);
  }

  /** The stack trace is written inside the pattern (escaped), so log4j2 must not append one after it. */
  @Override
  public boolean handlesThrowable() {
    return formatters.stream().anyMatch(PatternFormatter::handlesThrowable);
  }
}
