package io.flagramp.it;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Every request the operator's Kubernetes client sends, as {@code METHOD path}, so a test can count
 * API writes exactly (they are what the operator sends, not what the test itself does).
 */
final class ApiRequests implements Interceptor {

  record Request(String method, String path) {

    boolean isWrite() {
      return !method.equals("GET");
    }

    boolean in(String namespace) {
      return path.contains("/namespaces/" + namespace + "/");
    }

    String kind() {
      if (path.contains("/configmaps/")) {
        return "configmap";
      }
      if (path.contains("/events")) {
        return "event";
      }
      if (path.endsWith("/status")) {
        return "status";
      }
      return "other";
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private final List<Request> requests = new CopyOnWriteArrayList<>();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    requests.add(new Request(request.method(), request.uri().getPath()));
  }

  List<Request> matching(Predicate<Request> filter) {
    return requests.stream().filter(filter).toList();
  }

  List<Request> writesIn(String namespace) {
    return matching(r -> r.isWrite() && r.in(namespace));
  }

  long configMapReadsIn(String namespace) {
    return matching(r -> !r.isWrite() && r.in(namespace) && r.kind().equals("configmap")).size();
  }
}
