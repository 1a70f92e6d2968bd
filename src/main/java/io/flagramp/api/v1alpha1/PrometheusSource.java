package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrometheusSource {

  @Size(max = 2048)
  @Pattern("^https?://[^\\s]+$")
  @JsonPropertyDescription("Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring.svc:9090."
      + " Defaults to the operator's FLAGRAMP_PROMETHEUS_ADDRESS.")
  private String address;

  public static final String MAX_TIMEOUT = "30s";

  @Size(max = 32)
  @ValidationRule(value = Step.DURATION_RULE, message = "the value " + Step.DURATION_MESSAGE,
      messageExpression = Step.DURATION_MESSAGE_EXPRESSION)
  @ValidationRule(value = "!" + Step.DURATION_RULE + " || duration(self) > duration('0s') && duration(self) <= duration('" + MAX_TIMEOUT + "')",
      message = "spec.analysis.prometheus.timeout must be above 0s and at most " + MAX_TIMEOUT)
  @JsonPropertyDescription("Timeout of each query, connect to last byte: above 0s, at most 30s and at most"
      + " spec.analysis.interval. Default: 10s, or the interval when that is shorter.")
  private String timeout;

  @JsonPropertyDescription("Optional Secret in the ScalingChange's namespace with a bearer `token`, or"
      + " `username` and `password`, and optionally `ca.crt` (PEM) to trust for https.")
  private SecretReference authSecretRef;

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }

  public String getTimeout() {
    return timeout;
  }

  public void setTimeout(String timeout) {
    this.timeout = timeout;
  }

  public SecretReference getAuthSecretRef() {
    return authSecretRef;
  }

  public void setAuthSecretRef(SecretReference authSecretRef) {
    this.authSecretRef = authSecretRef;
  }
}
