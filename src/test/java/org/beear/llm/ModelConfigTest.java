package org.beear.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A config.json comes with an untrusted model: numbers that cannot describe a decoder are refused by name. */
class ModelConfigTest {

  private static final String SHAPE = """
      "architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": 32, "intermediate_size": 64,
      "num_hidden_layers": 2, "num_attention_heads": 4""";

  private static ModelConfig parse(String fields) {
    return ModelConfig.parse("{" + SHAPE + (fields.isEmpty() ? "" : ", " + fields) + "}");
  }

  @Test
  void anEpsilonThatIsNotAPositiveFiniteNumberIsRefused() {
    assertThat(parse("").rmsNormEps()).isEqualTo(1e-6);
    assertThat(parse("\"rms_norm_eps\": 1e-5").rmsNormEps()).isEqualTo(1e-5);
    for (String eps : new String[] {"\"NaN\"", "\"Infinity\"", "1e309", "0", "-1e-6"}) {
      assertThatThrownBy(() -> parse("\"rms_norm_eps\": " + eps)).as(eps)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("rms_norm_eps must be a positive finite number, got ");
    }
    assertThatThrownBy(() -> parse("\"rope_theta\": \"NaN\""))
        .hasMessage("rope_theta must be a positive finite number, got NaN");
  }

  @Test
  void aMaximumPositionThatIsNotPositiveIsRefused() {
    assertThat(parse("").maxPositionEmbeddings()).isEqualTo(4096);
    assertThat(parse("\"max_position_embeddings\": 128").maxPositionEmbeddings()).isEqualTo(128);
    assertThatThrownBy(() -> parse("\"max_position_embeddings\": -4096"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_position_embeddings must be positive, got -4096");
    assertThatThrownBy(() -> parse("\"max_position_embeddings\": 0"))
        .hasMessage("max_position_embeddings must be positive, got 0");
  }
}
