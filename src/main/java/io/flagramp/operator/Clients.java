package io.flagramp.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.TolerantReading;
import io.javaoperatorsdk.operator.api.config.Cloner;

/**
 * The Kubernetes client the operator runs on: it reads ScalingChanges through {@link TolerantReading},
 * so no stored object can stop the informer, and its cloner keeps what could not be read.
 */
public final class Clients {

  private Clients() {}

  public static KubernetesSerialization serialization() {
    return new KubernetesSerialization(new ObjectMapper().registerModule(new TolerantReading()), true);
  }

  public static KubernetesClient client(Config config) {
    return new KubernetesClientBuilder().withConfig(config).withKubernetesSerialization(serialization()).build();
  }

  public static KubernetesClient client() {
    return new KubernetesClientBuilder().withKubernetesSerialization(serialization()).build();
  }

  /**
   * JOSDK clones a resource before it hands it to a reconcile; a clone goes through JSON, where the
   * list of fields that could not be read (not part of the object's JSON) would be lost.
   */
  public static Cloner cloner(KubernetesSerialization json) {
    return new Cloner() {
      @Override
      public <R extends HasMetadata> R clone(R object) {
        R copy = json.clone(object);
        if (object instanceof ScalingChange from && copy instanceof ScalingChange to) {
          if (from.getSpec() != null && to.getSpec() != null) {
            to.getSpec().unreadable(from.getSpec().unreadable());
          }
          if (from.getStatus() != null && to.getStatus() != null) {
            to.getStatus().unreadable(from.getStatus().unreadable());
          }
        }
        return copy;
      }
    };
  }
}
