package io.flagramp.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's first command: the embedded example rolls out to the end, then reverts on abort. */
class DemoTest {

  @Test
  void theEmbeddedExampleRollsOutRevertsOnAbortAndRevertsByItselfWhenTheErrorRateClimbs() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    new Demo(new PrintStream(buffer, true, StandardCharsets.UTF_8))
        .run(Demo.load(Demo.class.getResourceAsStream(Demo.EMBEDDED)));
    String out = buffer.toString(StandardCharsets.UTF_8);

    assertThat(out).contains("baseline over 30m: error-rate 0.002, p99-latency 0.2; recorded original values"
            + " USE_REDIS_PERCENTAGE=<absent>, USE_REDIS=\"false\"; entered step 1/6 at weight 1; soaking 1h until"
            + " 2026-11-23T03:00:00Z")
        .contains("Baking       6/6   100  step 6/6 at weight 100 passed")
        .as("the bake counts from when the last step passed its analysis, at 03:01")
        .containsPattern("Fri 04:01  Succeeded    6/6   100  step 6/6 at weight 100 soaked 1h and passed analysis")
        .contains("Succeeded after 4d 2h of simulated time: 6 ConfigMap writes,")
        .contains("aborted by flagramp.io/abort=\"error rate up\" at weight 25 (step 4/6): removed"
            + " USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"")
        .contains("RolledBack: app-features holds exactly what it held before.")
        .contains("Tue 03:03  RolledBack   0/6     -  error-rate 0.031 > max 0.01 (3/3) at weight 10: reverted,"
            + " removed USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"")
        .contains("RolledBack without a person: app-features holds exactly what it held before.");
    assertThat(out).contains("{\"state\":\"ENABLED\",\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":"
            + "\"off\",\"targeting\":{\"fractional\":[[\"on\",5],[\"off\",95]]}}")
        .contains("reverted, restored flags.flagd.json#new-checkout=")
        .contains("RolledBack: the document is the original byte for byte: true; the other flag never changed.");
    String third = out.substring(out.indexOf("3) The automatic revert"), out.indexOf("4) The cohort judge"));
    String afterRevert = third.substring(third.lastIndexOf("reverted, removed"));
    assertThat(afterRevert).contains("SOCKET_TIMEOUT_MS=30000 USE_REDIS=false\n").doesNotContain("USE_REDIS_PERCENTAGE=");

    String cohorts = out.substring(out.indexOf("4) The cohort judge"), out.indexOf("5) The same schedule"));
    assertThat(cohorts).as("reverted at 1% by the cohort judge, with the numbers").contains("RolledBack   0/4")
        .containsPattern("error-rate flag-on [0-9.]+% vs flag-off [0-9.]+% \\(\\+[0-9.]+ points, 95% interval"
            + " \\+[0-9.]+\\.\\.\\+[0-9.]+; allowed \\+0\\.20\\) fails at weight 1")
        .contains("RolledBack after 1 minute at weight 1")
        .containsPattern("The whole service's error rate over the same requests was 0\\.[0-9]+%: under the 1\\.00%"
            + " bound of the first example, that judge would have passed");
  }
}
