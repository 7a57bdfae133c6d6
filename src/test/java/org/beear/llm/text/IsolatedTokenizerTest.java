package org.beear.llm.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native tokenizers library in a child process: it answers as it does in this JVM, and when it aborts or hangs
 * on a tokenizer.json or a text, that tokenizer fails with a one-line IllegalArgumentException and this JVM (the
 * test runner) carries on. Every aborting input here would end the test run if it reached the library in process.
 */
class IsolatedTokenizerTest {

  private static final Path LLAMA_STYLE = ChatTemplateTest.resource("llama-bytefallback");
  private static final String CRASHED_LOADING = "tokenizer.json: the tokenizers library crashed while loading it (exit "
      + "134); the model's tokenizer cannot be used";
  private static final String CRASHED_ENCODING = "tokenizer.json: the tokenizers library crashed while encoding a text"
      + " (exit 134); the model's tokenizer cannot be used";

  @Test
  void aTokenizerInAChildProcessAnswersAsInThisOneAndIsShared() throws IOException {
    String json = Files.readString(LLAMA_STYLE.resolve("tokenizer.json"));
    List<String> texts = List.of("hello world ü", "héllo wörld 🦊 日本", "", "<s>[INST] hi [/INST]", "lone \uD800 surrogate",
        "x".repeat(100_000));
    try (InProcessTokenizer here = new InProcessTokenizer(json);
        IsolatedTokenizer there = IsolatedTokenizer.open(json);
        IsolatedTokenizer again = IsolatedTokenizer.open(json)) {
      assertThat(there.pid()).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(again.pid()).as("one child per tokenizer.json text").isEqualTo(there.pid());
      for (String text : texts) {
        for (boolean special : new boolean[] {false, true}) {
          long[] ids = there.encode(text, special);
          assertThat(ids).isEqualTo(here.encode(text, special));
          assertThat(there.decode(ids, special)).isEqualTo(here.decode(ids, special));
        }
      }
    }
  }

  @Test
  void theLibrarysOwnErrorsComeBackAsTheyWouldInProcess() {
    assertThatThrownBy(() -> IsolatedTokenizer.open("{\"version\": \"1.0\"}"))
        .isExactlyInstanceOf(RuntimeException.class).hasMessage("Model missing. at line 1 column 18");
    String unknownUnk = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],\"normalizer\":"
        + "null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":"
        + "\"WordLevel\",\"vocab\":{\"a\":0},\"unk_token\":\"<unk>\"}}";
    try (IsolatedTokenizer tokenizer = IsolatedTokenizer.open(unknownUnk)) {
      assertThatThrownBy(() -> tokenizer.encode("b", false)).isExactlyInstanceOf(RuntimeException.class)
          .hasMessageContaining("Missing [UNK] token");
      assertThat(tokenizer.encode("a a", false)).as("the child carries on").containsExactly(0, 0);
    }
  }

  @Test
  void aTokenizerJsonTheLibraryAbortsOnWhileLoadingIsAClearError() throws IOException {
    // two of the files fuzzing found, which NativeTokenizerGuard refuses before the library sees them; here they
    // reach the library, in the child
    for (String input : List.of("native-abort-precompiled-normalizer", "native-abort-bpe-merge-shorter-than-prefix")) {
      String json = fuzzInput(input);
      assertThatThrownBy(() -> IsolatedTokenizer.open(json)).as(input)
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(CRASHED_LOADING);
    }
  }

  @Test
  void aTextTheLibraryAbortsOnFailsThatTokenizerAndALoadAfterStartsAfresh(@TempDir Path dir) throws IOException {
    for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
      Files.copy(LLAMA_STYLE.resolve(file), dir.resolve(file));
    }
    AbortingTokenizers.plant(dir);
    long crashedPid;
    try (TextTokenizer tokenizer = TextTokenizer.load(dir)) { // the guard lets it through: it loads
      long[] hi = tokenizer.encode("hi", false);
      assertThat(tokenizer.decode(hi, false)).isEqualTo("hi");
      assertThatThrownBy(() -> tokenizer.encode(AbortingTokenizers.LONG_LINE, false))
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(CRASHED_ENCODING);
      assertThatThrownBy(() -> tokenizer.encode("hi", false)).as("its child has gone")
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(CRASHED_ENCODING);
      assertThatThrownBy(() -> tokenizer.decode(hi, false)).hasMessage(CRASHED_ENCODING);
      crashedPid = ((IsolatedTokenizer) tokenizer.nativeTokenizer()).pid();
    }
    try (TextTokenizer again = TextTokenizer.load(dir)) {
      assertThat(((IsolatedTokenizer) again.nativeTokenizer()).pid()).isNotEqualTo(crashedPid);
      assertThat(again.decode(again.encode("hi", false), false)).isEqualTo("hi");
    }
  }

  @Test
  void aChildThatDoesNotAnswerInTimeIsStopped() {
    // (a*)*$ backtracks 2^20 times on each run of twenty a's: under Oniguruma's limit per match, seconds in all
    String slow = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],\"normalizer\":null,"
        + "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(a*)*$\"},\"behavior\":\"Isolated\","
        + "\"invert\":false},\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":"
        + "{\"<s>\":0,\"a\":1},\"unk_token\":\"<s>\"}}";
    try (IsolatedTokenizer tokenizer = IsolatedTokenizer.open(slow, Duration.ofSeconds(1))) {
      assertThat(tokenizer.encode("a!", false)).isNotEmpty();
      long pid = tokenizer.pid();
      assertThatThrownBy(() -> tokenizer.encode(("a".repeat(20) + "!").repeat(200), false))
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("tokenizer.json: the tokenizers library did"
              + " not finish encoding a text within 1 s and was stopped");
      assertThat(ProcessHandle.of(pid).map(p -> p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
          .join().isAlive()).orElse(false)).as("the child is gone").isFalse();
    }
  }

  @Test
  void fromASpringBootJarTheChildStartsThroughBootsLauncher(@TempDir Path dir) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Main-Class", "org.example.boot.loader.launch.JarLauncher");
    manifest.getMainAttributes().putValue("Spring-Boot-Classes", "BOOT-INF/classes/");
    Path jar = dir.resolve("beear.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush();
    }
    List<String> fromJar = ChildJvm.command(TokenizerProcess.class, List.of("-Xmx64m"), jar.toString());
    assertThat(fromJar.subList(fromJar.size() - 4, fromJar.size())).containsExactly("-cp", jar.toString(),
        "-Dloader.main=" + TokenizerProcess.class.getName(), "org.example.boot.loader.launch.PropertiesLauncher");
    assertThat(fromJar).contains("-Xmx64m", "-Dai.djl.offline=true");

    String classpath = System.getProperty("java.class.path");
    List<String> fromClasspath = ChildJvm.command(TokenizerProcess.class, List.of(), classpath);
    assertThat(fromClasspath.subList(fromClasspath.size() - 3, fromClasspath.size())).containsExactly("-cp", classpath,
        TokenizerProcess.class.getName());
  }

  @Test
  void theChildRunsOfflineWithoutTheServicesJvmOptions() {
    java.util.Map<String, String> environment = new java.util.HashMap<>(java.util.Map.of("JAVA_TOOL_OPTIONS",
        "-javaagent:apm.jar", "_JAVA_OPTIONS", "-Xmx64g", "DJL_CACHE_DIR", "/opt/djl-cache", "OPT_OUT_TRACKING", "false"));
    ChildJvm.environment(environment);
    assertThat(environment).doesNotContainKeys("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")
        .containsEntry("DJL_CACHE_DIR", "/opt/djl-cache").containsEntry("OPT_OUT_TRACKING", "true")
        .containsEntry("DJL_OFFLINE", "true");
  }

  /** The tokenizer.json part (before the first NUL) of one of TokenizerFilesFuzzTest's saved inputs. */
  private static String fuzzInput(String name) throws IOException {
    try (InputStream in = IsolatedTokenizerTest.class.getResourceAsStream("TokenizerFilesFuzzTestInputs/tokenizerFiles/"
        + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\0", -1)[0];
    }
  }
}
