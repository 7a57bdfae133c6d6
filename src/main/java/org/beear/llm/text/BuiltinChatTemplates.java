package org.beear.llm.text;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Published chat templates, verbatim (as the Jinja source that tokenizer_config.json's
 * {@code chat_template} decodes to), for models whose files carry none.
 */
final class BuiltinChatTemplates {

  /** meta-llama/Llama-2-7b-chat-hf: BOS per user turn, {@code <<SYS>>} folded into the first turn. */
  static final String LLAMA2 =
      "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message ="
          + " messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false"
          + " %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2"
          + " == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...')"
          + " }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' +"
          + " system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content ="
          + " message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' +"
          + " content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() +"
          + " ' ' + eos_token }}{% endif %}{% endfor %}";

  /** meta-llama/Meta-Llama-3-8B-Instruct. */
  static final String LLAMA3 =
      "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content ="
          + " '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim +"
          + " '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content"
          + " }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n'"
          + " }}{% endif %}";

  /** mistralai/Mistral-7B-Instruct-v0.2 (the revision that accepts a leading system message). */
  static final String MISTRAL =
      """
      {%- if messages[0]['role'] == 'system' %}
          {%- set system_message = messages[0]['content'] %}
          {%- set loop_messages = messages[1:] %}
      {%- else %}
          {%- set loop_messages = messages %}
      {%- endif %}

      {{- bos_token }}
      {%- for message in loop_messages %}
          {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
              {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
          {%- endif %}
          {%- if message['role'] == 'user' %}
              {%- if loop.first and system_message is defined %}
                  {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}
              {%- else %}
                  {{- ' [INST] ' + message['content'] + ' [/INST]' }}
              {%- endif %}
          {%- elif message['role'] == 'assistant' %}
              {{- ' ' + message['content'] + eos_token}}
          {%- else %}
              {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
          {%- endif %}
      {%- endfor %}
      """;

  /** ChatML as given in transformers' chat-templating documentation (no default system prompt). */
  static final String CHATML =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>'"
          + " + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

  static final Map<String, String> BY_NAME = byName();

  private static Map<String, String> byName() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("llama2", LLAMA2);
    map.put("llama3", LLAMA3);
    map.put("mistral", MISTRAL);
    map.put("chatml", CHATML);
    return java.util.Collections.unmodifiableMap(map);
  }

  private BuiltinChatTemplates() {}
}
