package io.flagramp.cli;

import io.flagramp.core.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Lines for a terminal: everything printed is escaped ({@link Printable}), and only {@link #println()}
 * ends a line. A name, a decision, an API server's message or a value from a file that holds ESC, CR or
 * LF is shown as {@code \e}, {@code \r}, {@code \n}; it cannot act on the terminal nor begin a line of
 * its own. Every command prints through one ({@link FlagrampCli#out()}, {@link FlagrampCli#err()}); only
 * the status screens, which escape their own text and carry colour and cursor codes, do not.
 */
final class PrintableWriter extends PrintWriter {

  PrintableWriter(Writer out) {
    super(out);
  }

  @Override
  public void write(int c) {
    write(String.valueOf((char) c), 0, 1);
  }

  @Override
  public void write(char[] buf, int off, int len) {
    write(new String(buf, off, len), 0, len);
  }

  @Override
  public void write(String s, int off, int len) {
    raw(Printable.escape(s.substring(off, off + len)));
  }

  @Override
  public void println() {
    raw(System.lineSeparator());
  }

  private void raw(String s) {
    synchronized (lock) {
      try {
        out.write(s);
      } catch (IOException e) {
        setError();
      }
    }
  }
}
