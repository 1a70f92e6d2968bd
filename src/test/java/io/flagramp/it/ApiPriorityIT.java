package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.flowcontrol.v1.FlowSchema;
import io.fabric8.kubernetes.api.model.flowcontrol.v1.PriorityLevelConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.flagramp.chart.HelmChart;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart's apiPriority FlowSchema on the real API server: a request of the operator's service account
 * is classified by it, at workload-high, where without it the built-in service-accounts schema puts it at
 * workload-low with every other service account. The API server says which schema and priority level
 * served a request in the X-Kubernetes-PF-FlowSchema-UID and X-Kubernetes-PF-PriorityLevel-UID headers.
 */
@ExtendWith(KubeApiServerExtension.class)
class ApiPriorityIT {

  @Test
  void theOperatorsRequestsAreServedAtTheChartsPriorityLevel(KubeTestCluster cluster) throws Exception {
    KubernetesClient admin = cluster.client();
    String release = cluster.createNamespace("api-priority");
    HelmChart.Rendered chart = HelmChart.render(release, "apiPriority:\n  enabled: true\n");
    FlowSchema schema = chart.one(FlowSchema.class);
    assertThat(schema.getSpec().getPriorityLevelConfiguration().getName()).isEqualTo("workload-high");
    ServiceAccount account = chart.one(ServiceAccount.class);
    admin.resource(account).create();
    String workloadHigh = await().atMost(Duration.ofSeconds(30)).until(() -> uid(admin.resources(
        PriorityLevelConfiguration.class).withName("workload-high").get()), u -> u != null);
    String workloadLow = uid(admin.resources(PriorityLevelConfiguration.class).withName("workload-low").get());
    String serviceAccounts = uid(admin.resources(FlowSchema.class).withName("service-accounts").get());
    assertThat(workloadLow).as("the API server's own priority levels and schemas").isNotNull();
    assertThat(serviceAccounts).isNotNull();

    try (ServiceAccountLogin login = ServiceAccountLogin.as(cluster, release, account.getMetadata().getName());
        KubernetesClient asOperator = login.client()) {
      HttpResponse<String> before = selfReview(asOperator);
      assertThat(before.header("X-Kubernetes-PF-FlowSchema-UID")).as("without the chart's schema")
          .isEqualTo(serviceAccounts);
      assertThat(before.header("X-Kubernetes-PF-PriorityLevel-UID")).isEqualTo(workloadLow);

      FlowSchema created = admin.resource(schema).create();
      try {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          HttpResponse<String> after = selfReview(asOperator);
          assertThat(after.header("X-Kubernetes-PF-FlowSchema-UID")).isEqualTo(created.getMetadata().getUid());
          assertThat(after.header("X-Kubernetes-PF-PriorityLevel-UID")).isEqualTo(workloadHigh);
        });
      } finally {
        admin.resource(created).delete();
      }
    }
  }

  /** A SelfSubjectReview, which every authenticated user may make: a cluster-scoped resource request. */
  private static HttpResponse<String> selfReview(KubernetesClient client) throws Exception {
    HttpClient http = client.getHttpClient();
    HttpRequest request = http.newHttpRequestBuilder()
        .uri(client.getMasterUrl().toString().replaceAll("/$", "") + "/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .post("application/json", "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}")
        .build();
    HttpResponse<String> response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(201);
    return response;
  }

  private static String uid(HasMetadata o) {
    return o == null ? null : o.getMetadata().getUid();
  }
}
