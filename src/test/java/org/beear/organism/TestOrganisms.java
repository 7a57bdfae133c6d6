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

  public static synchronized Path xs(String setting) {
    Path dir = Path.of("target", "test-organisms", setting + "-xs-seed1").toAbsolutePath();
    if (Files.isRegularFile(dir.resolve(AttackFile.FILE_NAME)) && Files.isRegularFile(dir.resolve("README.md"))) {
      return dir;
    }
    OrganismFactory.train(new OrganismFactory.Spec(AttackSetting.parse(setting), null, 1, OrganismSize.XS), dir,
        Progress.NONE);
    return dir;
  }
}
