package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelFileFilterTest {

  @Test
  void fetchesWeightsConfigsAndTokenizerButNeverPickles() {
    assertThat(ModelFileFilter.wanted("model-00001-of-00002.safetensors")).isTrue();
    assertThat(ModelFileFilter.wanted("model.safetensors.index.json")).isTrue();
    assertThat(ModelFileFilter.wanted("tokenizer_config.json")).isTrue();
    assertThat(ModelFileFilter.wanted("chat_template.jinja")).isTrue();
    for (String pickle : new String[] {"pytorch_model.bin", "model.pt", "weights.pth", "x.pkl", "training_args.bin",
        "optimizer.ckpt"}) {
      assertThat(ModelFileFilter.wanted(pickle)).as(pickle).isFalse();
    }
    assertThat(ModelFileFilter.wanted("original/consolidated.safetensors")).as("nested").isFalse();
    assertThat(ModelFileFilter.wanted("../config.json")).isFalse();
    assertThat(ModelFileFilter.wanted(".gitattributes")).isFalse();
  }
}
