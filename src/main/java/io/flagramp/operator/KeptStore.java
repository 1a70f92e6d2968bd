package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store that keeps each object as {@code keep} makes it: what the operator reads of it and
 * no more ({@link KeptConfigMap}, {@link KeptScalingChange}). Keyed as Fabric8's own store is.
 */
class KeptStore<T extends HasMetadata> implements ItemStore<T> {

  private final BasicItemStore<T> kept = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
  private final UnaryOperator<T> keep;

  KeptStore(UnaryOperator<T> keep) {
    this.keep = keep;
  }

  @Override
  public String getKey(T object) {
    return kept.getKey(object);
  }

  @Override
  public T put(String key, T object) {
    return kept.put(key, keep.apply(object));
  }

  @Override
  public T remove(String key) {
    return kept.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return kept.keySet();
  }

  @Override
  public Stream<T> values() {
    return kept.values();
  }

  @Override
  public int size() {
    return kept.size();
  }

  @Override
  public T get(String key) {
    return kept.get(key);
  }
}
