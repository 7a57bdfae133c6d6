package org.beear.llm.text;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The command that runs a main class of this application in a fresh JVM: the java binary this process runs on,
 * this process's classpath, DJL's offline settings. From the Spring Boot jar ({@code java -jar beear.jar}) the
 * classes live in nested jars a plain {@code -cp} cannot read, so the child starts through Boot's
 * PropertiesLauncher (next to the jar's own launcher, its Main-Class), which reads them as that one does and starts
 * the class {@code loader.main} names; from any other classpath (surefire, an IDE) the class is started directly.
 */
final class ChildJvm {

  /** The launcher of Spring Boot's executable jars that starts any main class of the jar ({@code loader.main}). */
  static final String BOOT_LAUNCHER = "PropertiesLauncher";

  private ChildJvm() {}

  /** {@code java <jvmOptions> <DJL settings> -cp <this classpath> <mainClass>}, as argv. */
  static List<String> command(Class<?> mainClass, List<String> jvmOptions) {
    return command(mainClass, jvmOptions, System.getProperty("java.class.path"));
  }

  static List<String> command(Class<?> mainClass, List<String> jvmOptions, String classpath) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-Dai.djl.offline=true");
    for (String key : List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
      if (System.getProperty(key) != null) { // DJL reads these as properties as well as environment variables
        command.add("-D" + key + "=" + System.getProperty(key));
      }
    }
    command.add("-cp");
    command.add(classpath);
    String jarLauncher = springBootLauncher(classpath);
    if (jarLauncher != null) {
      command.add("-Dloader.main=" + mainClass.getName());
      command.add(jarLauncher.substring(0, jarLauncher.lastIndexOf('.') + 1) + BOOT_LAUNCHER);
    } else {
      command.add(mainClass.getName());
    }
    return command;
  }

  /**
   * The child's environment, from this one's: no cloud-metadata probe, no download, short panic reports, and none of
   * the variables the JVM takes options from (an agent or a heap size meant for the service is not the child's).
   */
  static void environment(Map<String, String> environment) {
    environment.keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
    environment.put("OPT_OUT_TRACKING", "true");
    environment.put("DJL_OFFLINE", "true");
    environment.put("RUST_BACKTRACE", "0");
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * The Main-Class of the classpath when it is one Spring Boot executable jar (its classes nested under BOOT-INF/, as
   * its Spring-Boot-Classes attribute says), else null.
   */
  static String springBootLauncher(String classpath) {
    if (classpath == null || classpath.contains(File.pathSeparator) || !classpath.endsWith(".jar")) {
      return null;
    }
    try (JarFile jar = new JarFile(classpath)) {
      Manifest manifest = jar.getManifest();
      return manifest == null || manifest.getMainAttributes().getValue("Spring-Boot-Classes") == null ? null
          : manifest.getMainAttributes().getValue("Main-Class");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the application jar " + classpath, e);
    }
  }
}
