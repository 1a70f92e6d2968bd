package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a ScalingChange's spec and status so that no value in them can make reading fail. The API
 * server checks an object against the CRD in force when it was written, so an object from before a
 * bound was added (say {@code failureLimit: 2147483648}) can still be stored; read strictly, one such
 * object stops the informer, and with it the operator, for every change in the cluster. Read through
 * this module, a field that cannot be read is left out and named in {@link ScalingChangeSpec#unreadable()}
 * (or the status's), so that one change is isolated ({@code Invalid}, naming the field) and the rest are
 * served.
 */
public final class TolerantReading extends SimpleModule {

  /** Fields given up on in one object before the whole of it is. */
  private static final int MAX_PROBLEMS = 32;

  public TolerantReading() {
    super("flagramp-tolerant-reading");
    setDeserializerModifier(new BeanDeserializerModifier() {
      @Override
      public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription description,
          JsonDeserializer<?> deserializer) {
        Class<?> type = description.getBeanClass();
        if (type == ScalingChangeSpec.class || type == ScalingChangeStatus.class) {
          return new Tolerant(deserializer, type);
        }
        return deserializer;
      }
    });
  }

  /** Something a reader could not read, for the object's {@code unreadable} list. */
  interface Readable {
    void unreadable(List<String> problems);
  }

  private static final class Tolerant extends DelegatingDeserializer {

    private final Class<?> type;

    Tolerant(JsonDeserializer<?> delegate, Class<?> type) {
      super(delegate);
      this.type = type;
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
      return new Tolerant(newDelegatee, type);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonNode tree = p.readValueAsTree();
      String root = type == ScalingChangeSpec.class ? "spec" : "status";
      List<String> problems = new ArrayList<>();
      while (true) {
        try (JsonParser again = tree.traverse(p.getCodec())) {
          again.nextToken();
          Object read = _delegatee.deserialize(again, ctxt);
          if (!problems.isEmpty()) {
            ((Readable) read).unreadable(problems);
          }
          return read;
        } catch (JsonMappingException e) {
          String path = root + path(e.getPath());
          problems.add(path + ": " + reason(e));
          if (problems.size() >= MAX_PROBLEMS || !remove(tree, e.getPath())) {
            Object empty = type == ScalingChangeSpec.class ? new ScalingChangeSpec() : new ScalingChangeStatus();
            ((Readable) empty).unreadable(problems);
            return empty;
          }
        }
      }
    }

    /** {@code .analysis.metrics[0].failureLimit} */
    private static String path(List<JsonMappingException.Reference> path) {
      StringBuilder out = new StringBuilder();
      for (JsonMappingException.Reference r : path) {
        if (r.getFieldName() != null) {
          out.append('.').append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          out.append('[').append(r.getIndex()).append(']');
        }
      }
      return out.toString();
    }

    /** Jackson's reason in one line, without the class names it adds for developers. */
    private static String reason(JsonProcessingException e) {
      if (e instanceof InvalidFormatException f && f.getTargetType() != null) {
        String value = Text.cap(String.valueOf(f.getValue()), 40);
        String type = f.getTargetType().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        return String.valueOf(e.getOriginalMessage()).contains("out of range")
            ? "cannot be read: " + value + " is out of range (an " + type + ")"
            : "cannot be read: " + value + " is not a valid " + type;
      }
      String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
      message = message.lines().findFirst().orElse(message);
      message = message.replaceAll("\\s*\\(class [^)]*\\)", "").replaceAll("`[a-z.]+\\.([A-Za-z]+)`", "$1");
      return Text.cap("cannot be read: " + message, 200);
    }

    /** Removes the node at the failing path from the tree; false when there is nothing to remove. */
    private static boolean remove(JsonNode tree, List<JsonMappingException.Reference> path) {
      if (path.isEmpty()) {
        return false;
      }
      JsonNode parent = tree;
      for (int i = 0; i < path.size() - 1; i++) {
        JsonMappingException.Reference r = path.get(i);
        parent = r.getFieldName() != null ? parent.get(r.getFieldName()) : parent.get(r.getIndex());
        if (parent == null) {
          return false;
        }
      }
      JsonMappingException.Reference last = path.get(path.size() - 1);
      if (parent instanceof ObjectNode o && last.getFieldName() != null && o.has(last.getFieldName())) {
        o.remove(last.getFieldName());
        return true;
      }
      if (parent instanceof ArrayNode a && last.getIndex() >= 0 && last.getIndex() < a.size()) {
        a.remove(last.getIndex());
        return true;
      }
      return false;
    }
  }
}
