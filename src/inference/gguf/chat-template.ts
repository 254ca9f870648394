// The ChatML conversation template that the models Custodian generates carry.

/** ChatML as a Jinja template, the form `tokenizer.chat_template` carries in a GGUF file. */
export const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
