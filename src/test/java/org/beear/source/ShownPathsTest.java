package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShownPathsTest {

  @Test
  void theServicesPathsAreShownAsTheCallerKnowsThem() {
    ShownPaths shown = ShownPaths.withDataDir(Path.of("/srv/beear"))
        .with(Path.of("/srv/beear/cache/http/ab12"), "https://models.example/m.tar.gz")
        .with(Path.of("/models/real-dir"), "file:///models/alias")
        .keep("file:///srv/beear/outputs/7/sub");

    assertThat(shown.in("/models/real-dir/config.json: expected an object"))
        .isEqualTo("file:///models/alias/config.json: expected an object");
    assertThat(shown.in("cannot read file:///models/real-dir/tokenizer.json"))
        .isEqualTo("cannot read file:///models/alias/tokenizer.json");
    assertThat(shown.in("/srv/beear/cache/http/ab12 has no tokenizer.json"))
        .isEqualTo("https://models.example/m.tar.gz has no tokenizer.json");
    assertThat(shown.in("cannot write /srv/beear/work/7/ckpt: No space left"))
        .isEqualTo("cannot write <data-dir>/work/7/ckpt: No space left");
    assertThat(shown.in("file:///srv/beear/outputs/7/sub: not allowed")).as("the caller's own URI")
        .isEqualTo("file:///srv/beear/outputs/7/sub: not allowed");
    assertThat(shown.in("/srv/beearish and /models/real-directory")).as("only whole path names")
        .isEqualTo("/srv/beearish and /models/real-directory");
    assertThat(shown.in(null)).isNull();
  }
}
