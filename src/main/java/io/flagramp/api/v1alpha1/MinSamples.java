package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Enough traffic before a step may pass. */
public class MinSamples {

  @Required
  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("PromQL counting the samples behind the metrics, e.g. sum(increase(http_requests_total[5m])).")
  private String query;

  @Required
  @JsonPropertyDescription("The least value of query for a step to pass.")
  private Double min;

  public MinSamples() {}

  public MinSamples(String query, double min) {
    this.query = query;
    this.min = min;
  }

  public String getQuery() {
    return query;
  }

  public void setQuery(String query) {
    this.query = query;
  }

  public Double getMin() {
    return min;
  }

  public void setMin(Double min) {
    this.min = min;
  }
}
