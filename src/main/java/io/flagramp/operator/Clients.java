package io.flagramp.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
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

  /** The operator's client: configured as kubectl is (in-cluster, or {@code KUBECONFIG}), see {@link #config}. */
  public static KubernetesClient client() {
    return client(config());
  }

  /**
   * The configuration found as kubectl finds it, without a refresh where there is nothing to refresh.
   * Fabric8 reads its configuration again (the kubeconfig file, parsed afresh) before a request until
   * that yields a token, then once a minute. A configuration that authenticates with a client
   * certificate alone never yields one, so it was read again before every request: a fifth of the
   * operator's CPU in a burst of steps (measured with JFR in the scale benchmark). Such a configuration
   * is kept as read; one with a token of any kind (a service account's, rotated on disk; an exec
   * plugin's; a static one) keeps Fabric8's refresh.
   */
  public static Config config() {
    return withoutIdleRefresh(Config.autoConfigure(null));
  }

  static Config withoutIdleRefresh(Config config) {
    boolean token = notEmpty(config.getOauthToken()) || notEmpty(config.getAutoOAuthToken())
        || config.getOauthTokenProvider() != null || config.getAuthProvider() != null
        || notEmpty(config.getUsername());
    if (token) {
      return config;
    }
    // With a token provider Fabric8 asks it rather than reading the configuration again; this one has no
    // token to give, as the configuration had none, so requests stay authenticated by the certificate.
    Config kept = new ConfigBuilder(config).build();
    kept.setOauthTokenProvider(() -> null);
    return kept;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
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
