package io.flagramp.core;

import java.util.ArrayList;
import java.util.List;

/** Ways of writing one Prometheus address, for the tests that all of them are the one address. */
public final class Spellings {

  public static final String PROMETHEUS = "http://prometheus.monitoring.svc:9090";

  private Spellings() {}

  /** 64 ways to write {@link #PROMETHEUS}: case, a trailing dot, an empty, dot or encoded-dot path, a fragment. */
  public static List<String> of64() {
    List<String> spellings = new ArrayList<>();
    for (String scheme : List.of("http", "HTTP")) {
      for (String host : List.of("prometheus.monitoring.svc", "PROMETHEUS.MONITORING.SVC", "Prometheus.Monitoring.Svc",
          "prometheus.monitoring.svc.")) {
        for (String tail : List.of("", "/", "/.", "//", "/x/..", "/%2e/", "/x/%2E%2E/", "/#fragment")) {
          spellings.add(scheme + "://" + host + ":" + (tail.isEmpty() ? "09090" : "9090") + tail);
        }
      }
    }
    return spellings;
  }
}
