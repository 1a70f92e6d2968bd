package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Label selectors parsed and matched as apimachinery's labels.Parse and Selector.Matches do. */
class LabelSelectorTest {

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(delimiter = '|', textBlock = """
      ''                                         | ''
      flagramp.io/shard                          | flagramp.io/shard
      '  ! flagramp.io/shard '                   | !flagramp.io/shard
      flagramp.io/shard=a                        | flagramp.io/shard=a
      flagramp.io/shard == a                     | flagramp.io/shard=a
      flagramp.io/shard!=a                       | flagramp.io/shard!=a
      flagramp.io/shard=                         | flagramp.io/shard=
      flagramp.io/shard in (a)                   | flagramp.io/shard in (a)
      'flagramp.io/shard notin ( c , b )'        | flagramp.io/shard notin (b,c)
      'flagramp.io/shard in (b),!team'           | flagramp.io/shard in (b),!team
      'tier,priority>3,age<-2'                   | tier,priority>3,age<-2
      in=notin                                   | in=notin
      A_b.c-D=X_y.z-9                            | A_b.c-D=X_y.z-9
      """)
  void parsesEveryFormOfTheGrammarToTheStringTheApiServerTakes(String selector, String canonical) {
    assertThat(LabelSelector.parse(selector)).hasToString(canonical);
    assertThat(LabelSelector.parse(canonical)).isEqualTo(LabelSelector.parse(selector));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(delimiter = '|', textBlock = """
      flagramp.io/shard in ()           | 'in' needs at least one value, found ')' at 23
      flagramp.io/shard in a            | 'in' needs a set of values in parentheses, found 'a' at 22
      flagramp.io/shard in (a           | expected ',' or ')' in the set, found the end at 24
      flagramp.io/shard in (a,)         | expected a label value in the set, found ')' at 25
      flagramp.io/shard = a b           | expected ',' or the end after a requirement, found 'b' at 23
      flagramp.io/shard a               | expected an operator (=, ==, !=, in, notin, >, <), a ',' or the end
      '!flagramp.io/shard=a'            | '!flagramp.io/shard' takes no operator, found '=' at 19
      'a,,b'                            | expected a label key, found ',' at 3
      'a,'                              | expected a label key, found the end at 3
      =a                                | expected a label key, found '=' at 1
      priority>high                     | '>' needs a whole number, found 'high' at 10
      Flagramp.IO/shard=a               | "Flagramp.IO/shard" is not a label key: its prefix must be a lower-case DNS
      /shard=a                          | "/shard" is not a label key: its prefix
      flagramp.io/-shard=a              | "flagramp.io/-shard" is not a label key: its name must be 1 to 63
      flagramp.io/shard=a b=c           | expected ',' or the end after a requirement, found 'b' at 21
      flagramp.io/shard=-a              | "-a" is not a label value
      flagramp.io/shard in (a,b/c)      | "b/c" is not a label value
      """)
  void refusesWhatTheApiServerWouldRefuseSayingWhereAndWhy(String selector, String message) {
    assertThatThrownBy(() -> LabelSelector.parse(selector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("\"" + selector + "\" is not a label selector: ")
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "\"{0}\" on \"{1}\"")
  @CsvSource(delimiter = '|', textBlock = """
      ''                                       | ''                  | true
      flagramp.io/shard in (a)                 | ''                  | false
      flagramp.io/shard in (a)                 | flagramp.io/shard=a | true
      flagramp.io/shard in (a)                 | flagramp.io/shard=b | false
      flagramp.io/shard notin (b,c)            | ''                  | true
      flagramp.io/shard notin (b,c)            | flagramp.io/shard=a | true
      flagramp.io/shard notin (b,c)            | flagramp.io/shard=c | false
      flagramp.io/shard notin (b,c)            | flagramp.io/shard=  | true
      !flagramp.io/shard                       | ''                  | true
      !flagramp.io/shard                       | flagramp.io/shard=  | false
      flagramp.io/shard                        | flagramp.io/shard=  | true
      flagramp.io/shard!=a                     | ''                  | true
      flagramp.io/shard=                       | flagramp.io/shard=  | true
      flagramp.io/shard=                       | ''                  | false
      'flagramp.io/shard in (b),team=x'        | flagramp.io/shard=b | false
      'flagramp.io/shard in (b),team=x'        | flagramp.io/shard=b,team=x | true
      priority>3                               | priority=4          | true
      priority>3                               | priority=3          | false
      priority<3                               | priority=high       | false
      """)
  void matchesAsTheApiServerSelects(String selector, String labels, boolean selected) {
    assertThat(LabelSelector.parse(selector).matches(labels(labels))).isEqualTo(selected);
  }

  /** "k=v,k2=v2" as a label map; "" for none. */
  static Map<String, String> labels(String labels) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : labels.isEmpty() ? new String[0] : labels.split(",")) {
      int eq = pair.indexOf('=');
      map.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return map;
  }
}
