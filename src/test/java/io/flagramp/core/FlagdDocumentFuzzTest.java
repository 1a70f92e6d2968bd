package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.core.flagd.FlagdDocument;
import io.flagramp.demo.Simulation;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Generated flagd documents — truncated, with bytes changed, with odd targeting, variants, states and
 * duplicate keys — each handed to a change through the operator's reconcile: every one ends in a defined
 * phase with no exception; one that cannot be ramped is Invalid with the problem named and is never
 * written (one whose split is above the first step waits for approval, unwritten); one that is ramped is written as a document that parses, with no other flag changed, and the
 * abort gives back the very document it started from.
 */
class FlagdDocumentFuzzTest {

  private static final String KEY = FlagdRolloutTest.KEY;
  private static final String FLAG = "new-checkout";
  private static final int RUNS = Integer.getInteger("flagramp.fuzz.flagdRuns", 400);

  private static final List<String> TARGETINGS = List.of(
      "{}", "null", "[]", "\"on\"", "{\"fractional\": []}", "{\"fractional\": [[\"on\"], [\"off\"]]}",
      "{\"fractional\": [[\"on\", 10], [\"off\", 90]]}", "{\"fractional\": [[\"off\", 90], [\"on\", 10]]}",
      "{\"fractional\": [{\"var\": \"email\"}, [\"on\", 1], [\"off\", 1]]}",
      "{\"fractional\": [[\"on\", 10], [\"off\", 80], [\"mid\", 10]]}", "{\"fractional\": [[\"on\", 1.5], [\"off\", 1]]}",
      "{\"fractional\": [[1, 10], [\"off\", 90]]}", "{\"fractional\": [[\"on\", 10], [\"on\", 90]]}",
      "{\"if\": [true, \"on\", {\"fractional\": [[\"on\", 0], [\"off\", 100]]}]}",
      "{\"if\": [true, \"on\"]}", "{\"if\": [true, \"on\", \"off\"]}", "{\"if\": \"x\"}",
      "{\"if\": [{\"var\": \"a\"}, \"on\", {\"if\": [{\"var\": \"b\"}, \"off\", {\"fractional\": [[\"off\", 5], [\"on\", 5]]}]}]}",
      "{\"$ref\": \"shared\"}", "{\"in\": [\"x\", {\"var\": \"y\"}]}", "{\"fractional\": [[\"on\", 10], [\"off\", 90]], \"x\": 1}");
  private static final List<String> VARIANTS = List.of("{\"on\": true, \"off\": false}", "{\"on\": 1}", "{}", "[]",
      "{\"on\": {\"a\": [1, 2]}, \"off\": null, \"mid\": \"m\"}", "null");
  private static final List<String> DEFAULTS = List.of("\"off\"", "\"on\"", "\"gone\"", "null", "3");
  private static final List<String> STATES = List.of("\"ENABLED\"", "\"DISABLED\"", "\"enabled\"", "1");

  /** One generated document. */
  private static String generate(Random rnd) {
    StringBuilder flag = new StringBuilder("{");
    flag.append("\"state\": ").append(rnd.nextInt(5) == 0 ? STATES.get(rnd.nextInt(STATES.size())) : "\"ENABLED\"");
    flag.append(", \"variants\": ").append(rnd.nextInt(4) == 0 ? VARIANTS.get(rnd.nextInt(VARIANTS.size()))
        : VARIANTS.get(0));
    if (rnd.nextInt(6) != 0) {
      flag.append(", \"defaultVariant\": ").append(rnd.nextInt(4) == 0 ? DEFAULTS.get(rnd.nextInt(DEFAULTS.size()))
          : "\"off\"");
    }
    if (rnd.nextBoolean()) {
      flag.append(", \"targeting\": ").append(TARGETINGS.get(rnd.nextInt(TARGETINGS.size())));
    }
    flag.append("}");
    String doc = FlagdRolloutTest.DOCUMENT.replace("""
        "new-checkout": {
              "state": "ENABLED",
              "variants": { "on": true,   "off": false },
              "defaultVariant": "off"
            }""", "\"new-checkout\": " + flag);
    return switch (rnd.nextInt(8)) {
      case 0 -> doc.substring(0, rnd.nextInt(doc.length()));  // cut off
      case 1 -> {
        int at = rnd.nextInt(doc.length());
        yield doc.substring(0, at) + "{}[],:\"\\x0".charAt(rnd.nextInt(10)) + doc.substring(at + 1);  // a byte changed
      }
      case 2 -> doc.replace("\"search-v2\":", "\"new-checkout\":");  // a key twice
      case 3 -> doc.replace("\"flags\"", "\"flag\"");
      default -> doc;
    };
  }

  @Test
  void everyGeneratedDocumentEndsInADefinedPhaseAndOnlyARampableOneIsWrittenAndGivenBackExactly() {
    Random rnd = new Random(20);
    Map<String, Integer> outcomes = new java.util.TreeMap<>();
    for (int run = 0; run < RUNS; run++) {
      String doc = generate(rnd);
      Simulation sim = new Simulation(WriteAheadTest.SETTINGS, FlagdRolloutTest.flagd("fuzz", FLAG).build(),
          WriteAheadTest.T0);
      sim.externalWrite(KEY, doc, "kubectl-client-side-apply");
      String what = "run " + run + ": " + doc;

      sim.reconcile();
      sim.advance(java.time.Duration.ofSeconds(30));
      sim.reconcile();

      var status = sim.change.getStatus();
      outcomes.merge(status.getPhase() + "/" + status.getReason(), 1, Integer::sum);
      if (sim.flagWrites() == 0 && status.getPhase() == Phase.AwaitingApproval) {
        // An existing split above the first step's weight: lowering it waits for a person, as for percentages.
        assertThat(status.getLastDecision()).as(what).contains("would lower flags.json#new-checkout from");
        assertThat(sim.configMap().get(KEY)).as(what).isEqualTo(doc);
        continue;
      }
      if (sim.flagWrites() == 0) {
        assertThat(status.getPhase()).as(what).isEqualTo(Phase.Invalid);
        assertThat(status.getReason()).as(what).isEqualTo(Reason.FlagUnrampable);
        assertThat(status.getLastDecision()).as(what).contains("data key flags.json");
        assertThat(sim.configMap().get(KEY)).as(what).isEqualTo(doc);
        continue;
      }
      assertThat(status.getPhase()).as(what).isEqualTo(Phase.Progressing);
      String written = sim.configMap().get(KEY);
      FlagdDocument before = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(doc, KEY)).document();
      FlagdDocument after = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(written, KEY)).document();
      for (String other : List.of("search-v2", "dark-mode")) {
        assertThat(after.flagText(other)).as(what).isEqualTo(before.flagText(other));
      }
      assertThat(FlagFormat.of(sim.change.getSpec().getFlag()).read(Map.of(KEY, written)).stepProblem()).as(what)
          .isEmpty();

      sim.annotate(Annotations.ABORT, "fuzz");
      sim.runUntilQuiet(10);

      assertThat(sim.configMap().get(KEY)).as(what).isEqualTo(doc);
    }
    System.out.println("flagd documents fuzzed: " + RUNS + ", outcomes " + outcomes);
    assertThat(outcomes).containsKeys("Invalid/FlagUnrampable", "Progressing/StepEntered",
        "AwaitingApproval/AwaitingApproval");
  }
}
