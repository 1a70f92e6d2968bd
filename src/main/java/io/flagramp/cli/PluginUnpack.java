package io.flagramp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The first run of the single-file {@code kubectl-flagramp}: the file is a shell header followed by a zip
 * of the plugin's jars (under {@code app/}); this puts them in {@code args[1]}, where every later run
 * finds them. The jars stay whole (their service and log4j plugin files intact, which merging them into one
 * jar would have to rewrite). Run by the header as {@code java -cp <file> io.flagramp.cli.PluginUnpack
 * <file> <dir>}; it uses the JDK alone, the rest of the plugin not being on that class path.
 */
public final class PluginUnpack {

  private static final String PREFIX = "app/";

  private PluginUnpack() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    Path dir = Path.of(args[1]);
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir.getParent());
    // Unpacked beside its final name and moved there, so a concurrent first run never sees half of it.
    Path partial = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".partial-");
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
        ZipEntry entry = entries.nextElement();
        if (entry.isDirectory() || !entry.getName().startsWith(PREFIX)) {
          continue;
        }
        Path target = partial.resolve(entry.getName().substring(PREFIX.length())).normalize();
        if (!target.startsWith(partial)) {
          throw new IOException("entry outside the plugin's folder: " + entry.getName());
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = zip.getInputStream(entry)) {
          Files.copy(in, target);
        }
      }
    }
    try {
      Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
      delete(partial);  // another first run got there first, with the same jars
    }
  }

  private static void delete(Path tree) throws IOException {
    try (Stream<Path> paths = Files.walk(tree)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
