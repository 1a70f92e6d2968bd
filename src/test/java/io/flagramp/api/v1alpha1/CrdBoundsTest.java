package io.flagramp.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The CRD's bounds are numbers the API server compares as written. */
class CrdBoundsTest {

  /** The largest integer a float64 holds exactly: a maximum above it is rounded, 2^63 past int64. */
  private static final BigDecimal EXACT = BigDecimal.valueOf(1L << 53);

  @Test
  void everyMaximumAndMinimumOfTheCrdIsAnIntegerAFloatHoldsExactly() throws IOException {
    for (Path crd : List.of(Path.of("crds", "scalingchanges.flagramp.io-v1.yml"),
        Path.of("helm", "flagramp", "files", "crds", "scalingchanges.flagramp.io-v1.yml"))) {
      Matcher bound = Pattern.compile("(maximum|minimum): (\\S+)").matcher(Files.readString(crd));
      int found = 0;
      while (bound.find()) {
        found++;
        BigDecimal value = new BigDecimal(bound.group(2));
        assertThat(value.abs()).as(crd + ": " + bound.group()).isLessThanOrEqualTo(EXACT);
      }
      assertThat(found).as(crd + " has bounds").isPositive();
    }
  }
}
