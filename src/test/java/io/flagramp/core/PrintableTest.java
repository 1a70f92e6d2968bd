package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.testbed.ControlText;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PrintableTest {

  @ParameterizedTest(name = "U+{0} is shown as {1}")
  @CsvSource(delimiter = '|', textBlock = """
      0007 | \\a
      0008 | \\b
      0009 | \\t
      000a | \\n
      000b | \\v
      000c | \\f
      000d | \\r
      001b | \\e
      0000 | \\x00
      001f | \\x1f
      007f | \\x7f
      0085 | \\u0085
      009b | \\u009b
      061c | \\u061c
      200e | \\u200e
      202e | \\u202e
      2066 | \\u2066
      2069 | \\u2069
      2028 | \\u2028
      2029 | \\u2029
      """)
  void showsAControlCharacterAsAnEscape(String hex, String shown) {
    assertThat(Printable.escape("a" + (char) Integer.parseInt(hex, 16) + "b")).isEqualTo("a" + shown + "b");
  }

  @Test
  void leavesEverythingElseAsItIs() {
    String text = "use-redis: weight 10 \\d+ \"quoted\" grüße 日本語 🚀 zero\u200dwidth joiner";
    assertThat(Printable.escape(text)).isSameAs(text);
    assertThat(Printable.escape(null)).isNull();
  }

  @Test
  void noCharacterACharacterIsEscapedToIsAControlCharacter() {
    for (int c = 0; c <= 0xffff; c++) {
      String escaped = Printable.escape(String.valueOf((char) c));
      assertThat(ControlText.count(escaped + "x")).as("U+%04x", c).isZero();
      if (ControlText.isControl(c) || c == '\n') {
        assertThat(escaped).as("U+%04x", c).startsWith("\\");
      }
    }
  }
}
