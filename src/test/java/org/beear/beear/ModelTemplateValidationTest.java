package org.beear.beear;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.llm.text.jinja.TemplateLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model's chat template is checked when the job is submitted: the API turns these
 * IllegalArgumentExceptions into 400 problems on model_uri, before any work is queued.
 */
class ModelTemplateValidationTest {

  private static Path model(Path dir) throws Exception {
    Files.copy(Path.of(ModelTemplateValidationTest.class.getResource("/configs/llama-2-7b/config.json").toURI()),
        dir.resolve("config.json"));
    Files.writeString(dir.resolve("tokenizer.json"), "{}");
    Files.writeString(dir.resolve("model.safetensors"), "");
    return dir;
  }

  @Test
  void anOversizedChatTemplateIsRefusedAtSubmission(@TempDir Path tmp) throws Exception {
    Path dir = model(tmp);
    Files.writeString(dir.resolve("chat_template.jinja"), "x".repeat(TemplateLimits.DEFAULT.maxTemplateChars() + 1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new BeearCleanser().validateModel(dir));
    assertTrue(e.getMessage().contains("characters"), e.getMessage());
  }

  @Test
  void aMalformedOrMissingChatTemplateIsRefusedAtSubmission(@TempDir Path tmp) throws Exception {
    Path dir = model(tmp);
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> new BeearCleanser().validateModel(dir));
    assertTrue(missing.getMessage().contains("no chat template"), missing.getMessage());
    Files.writeString(dir.resolve("chat_template.jinja"), "{% include 'secrets' %}");
    IllegalArgumentException include =
        assertThrows(IllegalArgumentException.class, () -> new BeearCleanser().validateModel(dir));
    assertTrue(include.getMessage().contains("unsupported tag 'include'"), include.getMessage());
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content ");
    IllegalArgumentException unclosed =
        assertThrows(IllegalArgumentException.class, () -> new BeearCleanser().validateModel(dir));
    assertTrue(unclosed.getMessage().contains("unclosed tag"), unclosed.getMessage());
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}");
    new BeearCleanser().validateModel(dir);
  }
}
