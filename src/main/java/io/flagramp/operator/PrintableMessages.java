package io.flagramp.operator;

import io.flagramp.core.Printable;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.rewrite.RewritePolicy;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;

/**
 * {@code <PrintableMessages/>} in a log4j2 Rewrite appender: each event's message with its control
 * characters escaped ({@link Printable}), as the text log shows it. The JSON log needs it although
 * JSON escapes C0 controls itself: DEL, the C1 controls (U+009B is a CSI to some terminals), the
 * bidirectional overrides and U+2028 are legal in a JSON string and would reach the terminal of
 * whoever reads {@code kubectl logs}. Both formats then carry the same message.
 */
@Plugin(name = "PrintableMessages", category = Core.CATEGORY_NAME, elementType = "rewritePolicy")
public final class PrintableMessages implements RewritePolicy {

  @PluginFactory
  public static PrintableMessages create() {
    return new PrintableMessages();
  }

  @Override
  public LogEvent rewrite(LogEvent event) {
    String message = event.getMessage().getFormattedMessage();
    String printable = Printable.escape(message);
    // The same string when nothing needed escaping: the event goes on as it is.
    return printable == message ? event
        : new Log4jLogEvent.Builder(event).setMessage(new SimpleMessage(printable)).build();
  }
}
