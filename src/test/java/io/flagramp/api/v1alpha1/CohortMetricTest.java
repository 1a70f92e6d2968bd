package io.flagramp.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.operator.Clients;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cohort metric as the operator and every client write and read it. */
class CohortMetricTest {

  @Test
  void aCohortMetricWrittenOutReadsBackAndTheClonerCopiesIt() {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName("new-checkout");
    ScalingChangeSpec spec = new ScalingChangeSpec();
    Analysis analysis = new Analysis();
    MetricCheck errors = new MetricCheck();
    errors.setName("error-rate");
    errors.setCohort(CohortMetric.rate("e{$cohort}[$range]", "r{$cohort}[$range]", "0.005"));
    MetricCheck latency = new MetricCheck();
    latency.setName("latency");
    latency.setCohort(CohortMetric.value("l{$cohort}", "20%"));
    analysis.setMetrics(List.of(errors, latency));
    spec.setAnalysis(analysis);
    sc.setSpec(spec);

    String json = Clients.serialization().asJson(sc);
    ScalingChange read = Clients.serialization().unmarshal(json, ScalingChange.class);
    ScalingChange cloned = Clients.cloner(Clients.serialization()).clone(sc);

    assertThat(json).contains("\"cohort\":{\"errors\":\"e{$cohort}[$range]\",\"requests\":\"r{$cohort}[$range]\","
        + "\"maxIncrease\":\"0.005\"}").doesNotContain("\"rate\"");
    for (ScalingChange copy : List.of(read, cloned)) {
      assertThat(copy.getSpec().getAnalysis().getMetrics().get(0).getCohort().isRate()).isTrue();
      assertThat(copy.getSpec().getAnalysis().getMetrics().get(1).getCohort().getValue()).isEqualTo("l{$cohort}");
      assertThat(copy.getSpec().getAnalysis().getMetrics().get(1).getCohort().isRate()).isFalse();
    }
  }
}
