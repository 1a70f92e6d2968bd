package io.flagramp.testbed;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts kube-controller-manager, kube-scheduler and kwok against the per-JVM kube-apiserver of
 * {@link KubeApiServerExtension}, with one fake node, and injects them as {@link KubeControllers}. They
 * start once per test JVM, the first time a test class that asks for them runs, and stop when the JVM's
 * tests are done; classes that only use {@link KubeApiServerExtension} do not start them.
 *
 * <pre>{@code
 * @ExtendWith({KubeApiServerExtension.class, KubeControllersExtension.class})
 * class RestartIT {
 *   @Test
 *   void restarts(KubeTestCluster cluster, KubeControllers controllers) { ... }
 * }
 * }</pre>
 *
 * <p>Once started they keep running for the rest of the JVM, so classes that run later on the shared
 * server see what the controllers do everywhere: a {@code default} ServiceAccount and a
 * {@code kube-root-ca.crt} ConfigMap in every namespace, garbage collection of objects whose owner is
 * gone, namespaces that really go away when deleted.
 */
public final class KubeControllersExtension implements BeforeAllCallback, ParameterResolver {

  private static final Logger log = LoggerFactory.getLogger(KubeControllersExtension.class);
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KubeControllersExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    controllers(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KubeControllers.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return controllers(context);
  }

  private static KubeControllers controllers(ExtensionContext context) {
    KubeControllers.requireInstalled();
    KubeTestCluster cluster = KubeApiServerExtension.cluster(context);
    // Stored after the cluster in the same root store, so JUnit closes them before the cluster.
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(KubeControllers.class, key -> start(cluster), KubeControllers.class);
  }

  private static KubeControllers start(KubeTestCluster cluster) {
    long started = System.nanoTime();
    KubeControllers controllers = KubeControllers.start(cluster);
    log.info("kube-controller-manager, kube-scheduler and kwok ready with node {} in {} ms; logs {}",
        KubeControllers.NODE_NAME, (System.nanoTime() - started) / 1_000_000, controllers.logs().values());
    Runtime.getRuntime().addShutdownHook(new Thread(controllers::close, "kube-controllers-stop"));
    return controllers;
  }
}
