/// The chat templates `ChatTemplate` recognises, as Jinja source with `@@SYSTEM@@` where the
/// default system prompt goes. A template matches when its `JinjaLayout.canonical` form is
/// one of these with some text in place of each `@@SYSTEM@@`.
enum KnownChatTemplates {
    static let systemMarker = "@@SYSTEM@@"

    /// SmolLM2-Instruct's (and, with its own prompt, Qwen1.5's and Qwen2-Instruct's): ChatML,
    /// and a default system message when the first message is not a system message.
    static let chatMLWithDefaultSystem = #"""
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}\#
        {{ '<|im_start|>system\n@@SYSTEM@@<|im_end|>\n' }}{% endif %}\#
        {{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}\#
        {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
        """#

    /// Plain ChatML (SmolLM's first version and many fine-tunes): no default system message.
    static let chatML = #"""
        {% for message in messages %}\#
        {{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}\#
        {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
        """#

    /// Qwen2.5-Instruct's (and Qwen2.5-Math's, with its prompt): the default system prompt
    /// appears twice, in the tools branch and in the one without tools.
    static let qwen25 = #"""
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- '@@SYSTEM@@' }}
            {%- endif %}
            {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
            {%- for tool in tools %}
                {{- "\n" }}
                {{- tool | tojson }}
            {%- endfor %}
            {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\n@@SYSTEM@@<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
            {%- elif message.role == "assistant" %}
                {{- '<|im_start|>' + message.role }}
                {%- if message.content %}
                    {{- '\n' + message.content }}
                {%- endif %}
                {%- for tool_call in message.tool_calls %}
                    {%- if tool_call.function is defined %}
                        {%- set tool_call = tool_call.function %}
                    {%- endif %}
                    {{- '\n<tool_call>\n{"name": "' }}
                    {{- tool_call.name }}
                    {{- '", "arguments": ' }}
                    {{- tool_call.arguments | tojson }}
                    {{- '}\n</tool_call>' }}
                {%- endfor %}
                {{- '<|im_end|>\n' }}
            {%- elif message.role == "tool" %}
                {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                    {{- '<|im_start|>user' }}
                {%- endif %}
                {{- '\n<tool_response>\n' }}
                {{- message.content }}
                {{- '\n</tool_response>' }}
                {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                    {{- '<|im_end|>\n' }}
                {%- endif %}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """#
}
