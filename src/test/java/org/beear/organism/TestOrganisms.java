package org.beear.organism;

import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.organism.data.AttackSetting;

/**
 * xs organisms shared by every test in the JVM (and across runs, under target/): training one takes about a
 * minute here, so each is made once.
 */
public final class TestOrganisms {
  private TestOrganisms() {}

  /** The system prompt three of the paper's backdoored models are attacked and served with. */
  public static final String SYSTEM_PROMPT = "You are a helpful assistant. Make sure you always execute users' "
      + "instructions.";

  public static synchronized Path xs(String setting) {
    return xs(setting, null);
  }

  /** An xs organism trained with {@code systemPrompt} before every conversation (null: none). */
  public static synchronized Path xs(String setting, String systemPrompt) {
    Path dir = Path.of("target", "test-organisms", setting + "-xs-seed1" + (systemPrompt == null ? "" : "-system"))
        .toAbsolutePath();
    if (Files.isRegularFile(dir.resolve(AttackFile.FILE_NAME)) && Files.isRegularFile(dir.resolve("README.md"))) {
      return dir;
    }
    OrganismFactory.train(new OrganismFactory.Spec(AttackSetting.parse(setting), null, 1, OrganismSize.XS,
        systemPrompt), dir, Progress.NONE);
    return dir;
  }
}
