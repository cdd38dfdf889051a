<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name>AboutDialog</name>
    <message>
      <source>About Reasoner Desktop</source>
      <translation>关于 Reasoner Desktop</translation>
    </message>
    <message>
      <source>Backends</source>
      <translation>后端</translation>
    </message>
    <message>
      <source>Bundled model</source>
      <translation>内置模型</translation>
    </message>
    <message>
      <source>Crash log</source>
      <translation>崩溃日志</translation>
    </message>
    <message>
      <source>GPU offload</source>
      <translation>GPU 卸载</translation>
    </message>
    <message>
      <source>History and settings</source>
      <translation>历史记录和设置</translation>
    </message>
    <message>
      <source>Licences</source>
      <translation>许可证</translation>
    </message>
    <message>
      <source>Offline chat with local reasoning models. Nothing you type leaves this computer.</source>
      <translation>与本地推理模型离线对话。你输入的内容不会离开这台电脑。</translation>
    </message>
    <message>
      <source>Open</source>
      <translation>打开</translation>
    </message>
    <message>
      <source>not installed</source>
      <translation>未安装</translation>
    </message>
  </context>
  <context>
    <name>ChatView</name>
    <message>
      <source>Ask anything. The model thinks first; its chain of thought appears in the pane on the right.</source>
      <translation>随便问。模型会先思考，它的思维链显示在右侧窗格中。</translation>
    </message>
    <message numerus="yes">
      <source>Show %Ln earlier message(s)</source>
      <translation>
        <numerusform>显示更早的 %Ln 条消息</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>Composer</name>
    <message>
      <source>A remote model answers one path at a time</source>
      <translation>远程模型一次只回答一条路径</translation>
    </message>
    <message>
      <source>Answer directly, without a chain of thought</source>
      <translation>直接回答，不生成思维链</translation>
    </message>
    <message>
      <source>Answer now</source>
      <translation>立即回答</translation>
    </message>
    <message>
      <source>Any model: told to think step by step in &lt;think&gt; tags first</source>
      <translation>任何模型：先在 &lt;think&gt; 标签中逐步思考</translation>
    </message>
    <message>
      <source>Examples: %1</source>
      <translation>示例：%1</translation>
    </message>
    <message>
      <source>Examples: file…</source>
      <translation>示例：文件…</translation>
    </message>
    <message>
      <source>Examples: library</source>
      <translation>示例：示例库</translation>
    </message>
    <message>
      <source>Examples: liked answers</source>
      <translation>示例：点赞的回答</translation>
    </message>
    <message>
      <source>Examples: none</source>
      <translation>示例：无</translation>
    </message>
    <message>
      <source>Load a model first (File → Models…)</source>
      <translation>请先加载模型（文件 → 模型…）</translation>
    </message>
    <message>
      <source>Max thinking</source>
      <translation>最大思考</translation>
    </message>
    <message>
      <source>Max thinking tokens. Prompted thinking stops at %1 tokens unless you set a limit here (or a higher Think longer); the thought is then closed and the model answers.</source>
      <translation>最大思考 token 数。提示式思考在 %1 个 token 时停止，除非你在这里设置上限（或更高的“多想一会儿”）；随后思考结束，模型作答。</translation>
    </message>
    <message>
      <source>Max thinking tokens: the thought is closed at this length and the model answers</source>
      <translation>最大思考词元数：达到此长度时结束思考，模型开始回答</translation>
    </message>
    <message>
      <source>No worked examples in the prompt</source>
      <translation>提示中不放示例</translation>
    </message>
    <message>
      <source>Paths</source>
      <translation>路径</translation>
    </message>
    <message>
      <source>Reasoning models think; others are prompted to</source>
      <translation>推理模型自行思考；其他模型由提示引导思考</translation>
    </message>
    <message>
      <source>Reasoning paths: the model thinks this many times at once and the answer most paths agree on wins (the others are kept as branches)</source>
      <translation>推理路径：模型同时思考这么多次，多数路径一致的答案胜出（其余的保留为分支）</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>发送</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>Stop thinking and answer now (Ctrl+Enter)</source>
      <translation>停止思考，立即回答（Ctrl+Enter）</translation>
    </message>
    <message>
      <source>The model is loading: your message is sent when it is ready</source>
      <translation>模型正在加载：就绪后会发送你的消息</translation>
    </message>
    <message>
      <source>The model thinks the way it was trained to</source>
      <translation>模型按训练时的方式思考</translation>
    </message>
    <message>
      <source>The worked examples of your library (Settings)</source>
      <translation>你的示例库中的示例（设置）</translation>
    </message>
    <message>
      <source>Think longer</source>
      <translation>延长思考</translation>
    </message>
    <message>
      <source>Think longer needs a local model: a server cannot be told to go on thinking</source>
      <translation>“多想一会儿”需要本地模型：无法让服务器继续思考</translation>
    </message>
    <message>
      <source>Think longer: until the thought has this many tokens, an early end becomes “Wait” and the model keeps thinking</source>
      <translation>延长思考：思考未达到此词元数时，提前结束会被替换为“Wait”，模型继续思考</translation>
    </message>
    <message>
      <source>Thinking: model default</source>
      <translation>思考：模型默认</translation>
    </message>
    <message>
      <source>Thinking: native</source>
      <translation>思考：原生</translation>
    </message>
    <message>
      <source>Thinking: off</source>
      <translation>思考：关闭</translation>
    </message>
    <message>
      <source>Thinking: prompted</source>
      <translation>思考：提示引导</translation>
    </message>
    <message>
      <source>This model cannot switch its thinking off; it will think anyway</source>
      <translation>此模型无法关闭思考；它仍会思考</translation>
    </message>
    <message>
      <source>This model does not think by itself; use prompted thinking</source>
      <translation>此模型不会自行思考；请使用提示引导思考</translation>
    </message>
    <message>
      <source>This server cannot cap a thought; it thinks as long as it is set up to</source>
      <translation>此服务器无法限制思考长度；它按自身设置思考</translation>
    </message>
    <message>
      <source>Worked examples are for prompted thinking</source>
      <translation>示例用于提示式思考</translation>
    </message>
    <message>
      <source>Worked examples from a JSON file</source>
      <translation>来自 JSON 文件的示例</translation>
    </message>
    <message>
      <source>Your thumbs-up answers to the most similar questions are shown to the model as worked examples (question, thought, answer)</source>
      <translation>把你点赞过的、问题最相似的回答作为示例给模型看（问题、思考、回答）</translation>
    </message>
    <message>
      <source>auto (%1)</source>
      <translation>自动（%1）</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>不限</translation>
    </message>
    <message>
      <source>off</source>
      <translation>关闭</translation>
    </message>
  </context>
  <context>
    <name>ExampleLibraryDialog</name>
    <message>
      <source>Answer</source>
      <translation>回答</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Example library</source>
      <translation>示例库</translation>
    </message>
    <message>
      <source>How to think it through, step by step</source>
      <translation>如何一步一步地想清楚</translation>
    </message>
    <message>
      <source>New</source>
      <translation>新建</translation>
    </message>
    <message>
      <source>Question</source>
      <translation>问题</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>Shown to the model as worked examples when the composer says “Examples: library” (prompted thinking). Add any answer with its ⋯ menu.</source>
      <translation>当输入区选择“示例：示例库”时（提示式思考），这些会作为示例给模型看。任何回答都可以通过它的 ⋯ 菜单加入。</translation>
    </message>
    <message>
      <source>That example no longer exists.</source>
      <translation>那个示例已不存在。</translation>
    </message>
    <message>
      <source>The final answer</source>
      <translation>最终答案</translation>
    </message>
    <message>
      <source>The question</source>
      <translation>问题</translation>
    </message>
    <message>
      <source>Thought</source>
      <translation>思考</translation>
    </message>
  </context>
  <context>
    <name>ExportDialog</name>
    <message>
      <source>All %1 conversations (a folder or a .zip)</source>
      <translation>全部 %1 个对话（文件夹或 .zip）</translation>
    </message>
    <message>
      <source>Export conversations</source>
      <translation>导出对话</translation>
    </message>
    <message>
      <source>Format</source>
      <translation>格式</translation>
    </message>
    <message>
      <source>Thinking</source>
      <translation>思考</translation>
    </message>
    <message>
      <source>This conversation</source>
      <translation>当前对话</translation>
    </message>
    <message>
      <source>What</source>
      <translation>内容</translation>
    </message>
  </context>
  <context>
    <name>FileActions</name>
    <message>
      <source>%1 (%2): conversations imported: %3, messages: %4, with thoughts: %5, branch points: %6.</source>
      <translation>%1（%2）：导入对话 %3 个，消息 %4 条，含思考 %5 条，分支点 %6 个。</translation>
    </message>
    <message>
      <source>%1 already in the history</source>
      <translation>%1 个已在历史记录中</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Chat exports (*.json *.zip *.jsonl);;All files (*)</source>
      <translation>聊天导出文件 (*.json *.zip *.jsonl);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Export all conversations</source>
      <translation>导出全部对话</translation>
    </message>
    <message>
      <source>Export conversation</source>
      <translation>导出对话</translation>
    </message>
    <message>
      <source>Export failed</source>
      <translation>导出失败</translation>
    </message>
    <message>
      <source>Export reasoning dataset</source>
      <translation>导出推理数据集</translation>
    </message>
    <message>
      <source>Exported to %1</source>
      <translation>已导出到 %1</translation>
    </message>
    <message>
      <source>Import conversations</source>
      <translation>导入对话</translation>
    </message>
    <message>
      <source>Import failed</source>
      <translation>导入失败</translation>
    </message>
    <message>
      <source>Import finished</source>
      <translation>导入完成</translation>
    </message>
    <message>
      <source>Importing…</source>
      <translation>正在导入…</translation>
    </message>
    <message>
      <source>JSON Lines (*.jsonl)</source>
      <translation>JSON Lines (*.jsonl)</translation>
    </message>
    <message>
      <source>Notes: %1.</source>
      <translation>备注：%1。</translation>
    </message>
    <message>
      <source>Skipped: %1.</source>
      <translation>已跳过：%1。</translation>
    </message>
    <message>
      <source>Zip archive (*.zip)</source>
      <translation>Zip 压缩包 (*.zip)</translation>
    </message>
    <message numerus="yes">
      <source>%n thumbs-up example(s) written.</source>
      <translation>
        <numerusform>已写入 %n 个点赞示例。</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Imported %n conversation(s).</source>
      <translation>
        <numerusform>已导入 %n 个对话。</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>LabActions</name>
    <message>
      <source>Wait for the answer being written (or Stop it), and for a model.</source>
      <translation>请等待正在写的回答（或停止它），并先加载模型。</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>%1 tokens/s</source>
      <translation>%1 词元/秒</translation>
    </message>
    <message>
      <source>&amp;About Reasoner Desktop</source>
      <translation>关于 Reasoner Desktop(&amp;A)</translation>
    </message>
    <message>
      <source>&amp;Answer now (stop thinking)</source>
      <translation>立即回答（停止思考）(&amp;A)</translation>
    </message>
    <message>
      <source>&amp;Chat</source>
      <translation>对话(&amp;C)</translation>
    </message>
    <message>
      <source>&amp;Drop thoughts from context</source>
      <translation>从上下文中去掉思考(&amp;D)</translation>
    </message>
    <message>
      <source>&amp;Export…</source>
      <translation>导出(&amp;E)…</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Focus the message box</source>
      <translation>转到输入框(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>&amp;Import…</source>
      <translation>导入(&amp;I)…</translation>
    </message>
    <message>
      <source>&amp;Keep all thoughts in context</source>
      <translation>在上下文中保留全部思考(&amp;K)</translation>
    </message>
    <message>
      <source>&amp;Keyboard shortcuts</source>
      <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
      <source>&amp;Models…</source>
      <translation>模型(&amp;M)…</translation>
    </message>
    <message>
      <source>&amp;New chat</source>
      <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
      <source>&amp;Open model file…</source>
      <translation>打开模型文件(&amp;O)…</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>退出(&amp;Q)</translation>
    </message>
    <message>
      <source>&amp;Regenerate the last answer</source>
      <translation>重新生成最后的回答(&amp;R)</translation>
    </message>
    <message>
      <source>&amp;Search chats</source>
      <translation>搜索对话(&amp;S)</translation>
    </message>
    <message>
      <source>&amp;Settings…</source>
      <translation>设置(&amp;S)…</translation>
    </message>
    <message>
      <source>&amp;Stop generating</source>
      <translation>停止生成(&amp;S)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <source>Conversation deleted.</source>
      <translation>对话已删除。</translation>
    </message>
    <message>
      <source>Conversation restored.</source>
      <translation>对话已恢复。</translation>
    </message>
    <message>
      <source>E&amp;xample library…</source>
      <translation>示例库(&amp;X)…</translation>
    </message>
    <message>
      <source>Enter / Shift+Enter</source>
      <translation>Enter / Shift+Enter</translation>
    </message>
    <message>
      <source>Export reasoning &amp;dataset (thumbs-up answers)…</source>
      <translation>导出推理数据集（点赞的回答）(&amp;D)…</translation>
    </message>
    <message>
      <source>GPU: %1 of %2 layers</source>
      <translation>GPU：%1/%2 层</translation>
    </message>
    <message>
      <source>History</source>
      <translation>历史记录</translation>
    </message>
    <message>
      <source>Keyboard shortcuts</source>
      <translation>键盘快捷键</translation>
    </message>
    <message>
      <source>Loading model…</source>
      <translation>正在加载模型…</translation>
    </message>
    <message>
      <source>Loading model… your message will be sent as soon as it is ready.</source>
      <translation>正在加载模型… 模型就绪后会立即发送你的消息。</translation>
    </message>
    <message>
      <source>Main toolbar</source>
      <translation>主工具栏</translation>
    </message>
    <message>
      <source>Model: %1</source>
      <translation>模型：%1</translation>
    </message>
    <message>
      <source>No model is loaded: choose one with File → Models…</source>
      <translation>尚未加载模型：请通过 文件 → 模型… 选择一个</translation>
    </message>
    <message>
      <source>No model loaded — File → Models…</source>
      <translation>未加载模型 — 文件 → 模型…</translation>
    </message>
    <message>
      <source>Open link?</source>
      <translation>打开链接？</translation>
    </message>
    <message>
      <source>Restart now</source>
      <translation>立即重启</translation>
    </message>
    <message>
      <source>Restart the app to switch the language (nothing is lost)</source>
      <translation>重启应用以切换语言（不会丢失任何内容）</translation>
    </message>
    <message>
      <source>Scaling &amp;lab…</source>
      <translation>扩展实验室(&amp;L)…</translation>
    </message>
    <message>
      <source>Se&amp;rve the model to other programs (API)</source>
      <translation>为其他程序提供模型服务（API）(&amp;R)</translation>
    </message>
    <message>
      <source>Send / new line</source>
      <translation>发送 / 换行</translation>
    </message>
    <message>
      <source>Show &amp;chain of thought</source>
      <translation>显示思维链(&amp;C)</translation>
    </message>
    <message>
      <source>Something went wrong</source>
      <translation>出错了</translation>
    </message>
    <message>
      <source>The answer could not be generated</source>
      <translation>无法生成回答</translation>
    </message>
    <message>
      <source>The model could not be loaded</source>
      <translation>无法加载该模型</translation>
    </message>
    <message>
      <source>The model that answers (Ctrl+M for all models)</source>
      <translation>回答问题的模型（Ctrl+M 查看全部模型）</translation>
    </message>
    <message>
      <source>The model wrote a link to:

%1

Open it in your web browser?</source>
      <translation>模型写了一个链接：

%1

要在浏览器中打开吗？</translation>
    </message>
    <message>
      <source>The new language applies from the next start.</source>
      <translation>新语言将在下次启动时生效。</translation>
    </message>
    <message>
      <source>The scaling lab is using the model: stop it or wait for it.</source>
      <translation>扩展实验室正在使用模型：请停止它或等待完成。</translation>
    </message>
    <message>
      <source>Undo delete</source>
      <translation>撤销删除</translation>
    </message>
  </context>
  <context>
    <name>MessageInput</name>
    <message>
      <source>Message the model… (Enter sends, Shift+Enter for a new line)</source>
      <translation>给模型发消息…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
  </context>
  <context>
    <name>MessageWidget</name>
    <message>
      <source> more tokens</source>
      <translation> 个 token</translation>
    </message>
    <message>
      <source>%1 of %2 paths agree</source>
      <translation>%2 条路径中有 %1 条一致</translation>
    </message>
    <message>
      <source>%1 paths; no final answer could be read</source>
      <translation>%1 条路径；都读不出最终答案</translation>
    </message>
    <message>
      <source>Add to example library</source>
      <translation>加入示例库</translation>
    </message>
    <message>
      <source>Answer again (the old answer stays as a branch)</source>
      <translation>重新回答（旧回答保留为分支）</translation>
    </message>
    <message>
      <source>Bad answer</source>
      <translation>差回答</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Chosen by the model among %1 paths</source>
      <translation>由模型在 %1 条路径中选出</translation>
    </message>
    <message>
      <source>Copied</source>
      <translation>已复制</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>复制</translation>
    </message>
    <message>
      <source>Copy this message as Markdown</source>
      <translation>以 Markdown 复制此消息</translation>
    </message>
    <message>
      <source>Edit</source>
      <translation>编辑</translation>
    </message>
    <message>
      <source>Edit this question and ask again (the old version stays as a branch)</source>
      <translation>编辑此问题并重新提问（旧版本保留为分支）</translation>
    </message>
    <message>
      <source>Enter sends · Esc cancels · the old question stays as a branch</source>
      <translation>回车发送 · Esc 取消 · 原来的问题会保留为一个分支</translation>
    </message>
    <message>
      <source>Error</source>
      <translation>出错</translation>
    </message>
    <message>
      <source>Go on from this thought (“Wait”), then answer again; the old answer stays as a branch</source>
      <translation>从这段思考继续（“Wait”），然后重新回答；原来的回答保留为一个分支</translation>
    </message>
    <message>
      <source>Good answer (included in the reasoning dataset)</source>
      <translation>好回答（计入推理数据集）</translation>
    </message>
    <message>
      <source>Interrupted — the app closed while this was being written</source>
      <translation>已中断 — 写入时应用被关闭</translation>
    </message>
    <message>
      <source>Keep thought in context</source>
      <translation>在上下文中保留思考</translation>
    </message>
    <message>
      <source>More</source>
      <translation>更多</translation>
    </message>
    <message>
      <source>Next version</source>
      <translation>下一个版本</translation>
    </message>
    <message>
      <source>No answer after the thought. Raise Max thinking or the context, or Regenerate.</source>
      <translation>思考之后没有回答。请提高“最大思考”或上下文，或重新生成。</translation>
    </message>
    <message>
      <source>Path %1 of %2 (your pick); the vote chose path %3</source>
      <translation>第 %1 条路径（共 %2 条，你的选择）；投票选的是第 %3 条</translation>
    </message>
    <message>
      <source>Previous version</source>
      <translation>上一个版本</translation>
    </message>
    <message>
      <source>Regenerate</source>
      <translation>重新生成</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>发送</translation>
    </message>
    <message>
      <source>Send this thought back to the model with the next questions (it takes room in the context)</source>
      <translation>在之后的问题中把这段思考发回给模型（会占用上下文空间）</translation>
    </message>
    <message>
      <source>Show this answer's chain of thought</source>
      <translation>显示此回答的思维链</translation>
    </message>
    <message>
      <source>Stopped</source>
      <translation>已停止</translation>
    </message>
    <message>
      <source>Stopped while thinking: no answer yet. Regenerate to try again.</source>
      <translation>思考时已停止：还没有回答。可重新生成再试。</translation>
    </message>
    <message>
      <source>Think longer</source>
      <translation>延长思考</translation>
    </message>
    <message>
      <source>Wait until the answer being written is finished (or Stop it)</source>
      <translation>请等待正在写的回答完成（或停止它）</translation>
    </message>
    <message>
      <source>at least </source>
      <translation>至少 </translation>
    </message>
  </context>
  <context>
    <name>ModelActions</name>
    <message>
      <source>GGUF models (*.gguf);;All files (*)</source>
      <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
      <source>More models…</source>
      <translation>更多模型…</translation>
    </message>
    <message>
      <source>No such model</source>
      <translation>没有这个模型</translation>
    </message>
    <message>
      <source>Open a GGUF model</source>
      <translation>打开 GGUF 模型</translation>
    </message>
    <message>
      <source>The model could not be added</source>
      <translation>无法添加该模型</translation>
    </message>
  </context>
  <context>
    <name>ModelSettingsDialog</name>
    <message>
      <source>&lt;think&gt;…&lt;/think&gt; (DeepSeek-R1, Qwen3, QwQ, Phi-4)</source>
      <translation>&lt;think&gt;…&lt;/think&gt;（DeepSeek-R1、Qwen3、QwQ、Phi-4）</translation>
    </message>
    <message>
      <source>Automatic: the largest context that fits in the memory free now, up to the model's trained length (at most 32,768); 0 = the trained length</source>
      <translation>自动：当前可用内存能容纳的最大上下文，不超过模型的训练长度（最多 32,768）；0 = 训练长度</translation>
    </message>
    <message>
      <source>CPU threads</source>
      <translation>CPU 线程</translation>
    </message>
    <message>
      <source>Cannot save these settings</source>
      <translation>无法保存这些设置</translation>
    </message>
    <message>
      <source>Context window (tokens)</source>
      <translation>上下文窗口（词元）</translation>
    </message>
    <message>
      <source>Custom tags…</source>
      <translation>自定义标签…</translation>
    </message>
    <message>
      <source>GPU layers (-1 = all)</source>
      <translation>GPU 层数（-1 = 全部）</translation>
    </message>
    <message>
      <source>Guess from the chat template</source>
      <translation>根据聊天模板判断</translation>
    </message>
    <message>
      <source>Min-p</source>
      <translation>Min-p</translation>
    </message>
    <message>
      <source>Not a reasoning model (prompted thinking)</source>
      <translation>非推理模型（提示引导思考）</translation>
    </message>
    <message>
      <source>Reasoning format</source>
      <translation>推理格式</translation>
    </message>
    <message>
      <source>Repeat penalty</source>
      <translation>重复惩罚</translation>
    </message>
    <message>
      <source>Settings for %1</source>
      <translation>%1 的设置</translation>
    </message>
    <message>
      <source>Temperature</source>
      <translation>温度</translation>
    </message>
    <message>
      <source>Thought tags</source>
      <translation>思考标签</translation>
    </message>
    <message>
      <source>Top-k</source>
      <translation>Top-k</translation>
    </message>
    <message>
      <source>Top-p</source>
      <translation>Top-p</translation>
    </message>
    <message>
      <source>[THINK]…[/THINK] (Magistral)</source>
      <translation>[THINK]…[/THINK]（Magistral）</translation>
    </message>
    <message>
      <source>automatic: %1</source>
      <translation>自动：%1</translation>
    </message>
    <message>
      <source>automatic: all that fit</source>
      <translation>自动：能放下的全部</translation>
    </message>
    <message>
      <source>default</source>
      <translation>默认</translation>
    </message>
    <message>
      <source>default: %1</source>
      <translation>默认：%1</translation>
    </message>
    <message>
      <source>gpt-oss channels</source>
      <translation>gpt-oss 通道</translation>
    </message>
    <message>
      <source>none: CPU-only build</source>
      <translation>无：仅 CPU 版本</translation>
    </message>
    <message>
      <source>“default” uses the value recommended for the model's family. Changes apply when the model is next loaded (now, if it is in use).</source>
      <translation>“默认”表示使用该模型系列的推荐值。更改在下次加载模型时生效（若正在使用则立即生效）。</translation>
    </message>
  </context>
  <context>
    <name>ModelsDialog</name>
    <message>
      <source>%1 left</source>
      <translation>剩余 %1</translation>
    </message>
    <message>
      <source>A remote model runs as its server is set up</source>
      <translation>远程模型按其服务器的设置运行</translation>
    </message>
    <message>
      <source>Add GGUF file…</source>
      <translation>添加 GGUF 文件…</translation>
    </message>
    <message>
      <source>Add a GGUF model</source>
      <translation>添加 GGUF 模型</translation>
    </message>
    <message>
      <source>Architecture</source>
      <translation>架构</translation>
    </message>
    <message>
      <source>Bundled</source>
      <translation>内置</translation>
    </message>
    <message>
      <source>Cancel download</source>
      <translation>取消下载</translation>
    </message>
    <message>
      <source>Cancelling…</source>
      <translation>正在取消…</translation>
    </message>
    <message>
      <source>Cannot add this file</source>
      <translation>无法添加此文件</translation>
    </message>
    <message>
      <source>Cannot remove</source>
      <translation>无法移除</translation>
    </message>
    <message>
      <source>Checking %1 against the hub's sha256…</source>
      <translation>正在用模型库的 sha256 校验 %1…</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Download</source>
      <translation>下载</translation>
    </message>
    <message>
      <source>Download from Hugging Face</source>
      <translation>从 Hugging Face 下载</translation>
    </message>
    <message>
      <source>Downloaded and verified: %1. Find it under “On this computer”.</source>
      <translation>已下载并校验：%1。可在“本机”中找到。</translation>
    </message>
    <message>
      <source>File</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>GGUF models (*.gguf)</source>
      <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
      <source>Hugging Face · %1</source>
      <translation>Hugging Face · %1</translation>
    </message>
    <message>
      <source>Listing the files of %1…</source>
      <translation>正在列出 %1 的文件…</translation>
    </message>
    <message>
      <source>Models</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>No GGUF repositories match “%1”.</source>
      <translation>没有与“%1”匹配的 GGUF 仓库。</translation>
    </message>
    <message>
      <source>On this computer</source>
      <translation>本机</translation>
    </message>
    <message>
      <source>Quantisation</source>
      <translation>量化</translation>
    </message>
    <message>
      <source>Recommended reasoning models for laptops are listed; or search the hub.</source>
      <translation>下面列出了适合笔记本电脑的推理模型；也可以搜索模型库。</translation>
    </message>
    <message>
      <source>Remote</source>
      <translation>远程</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>移除</translation>
    </message>
    <message>
      <source>Remove %1 and delete its downloaded file (%2) from this computer?</source>
      <translation>移除 %1 并从这台电脑上删除已下载的文件（%2）？</translation>
    </message>
    <message>
      <source>Remove %1 from the list? The file stays where it is on disk.</source>
      <translation>从列表中移除 %1？文件会保留在磁盘上原来的位置。</translation>
    </message>
    <message>
      <source>Remove model</source>
      <translation>移除模型</translation>
    </message>
    <message>
      <source>Resume download</source>
      <translation>继续下载</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>搜索</translation>
    </message>
    <message>
      <source>Search GGUF models, e.g. qwen3 or deepseek r1</source>
      <translation>搜索 GGUF 模型，例如 qwen3 或 deepseek r1</translation>
    </message>
    <message>
      <source>Searching…</source>
      <translation>正在搜索…</translation>
    </message>
    <message>
      <source>Server · %1</source>
      <translation>服务器 · %1</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>设置…</translation>
    </message>
    <message>
      <source>Size</source>
      <translation>大小</translation>
    </message>
    <message>
      <source>Source</source>
      <translation>来源</translation>
    </message>
    <message>
      <source>Starting the download of %1…</source>
      <translation>开始下载 %1…</translation>
    </message>
    <message>
      <source>The bundled model comes with the app and cannot be removed</source>
      <translation>内置模型随应用提供，无法移除</translation>
    </message>
    <message>
      <source>Thinking</source>
      <translation>思考</translation>
    </message>
    <message>
      <source>This repository has no GGUF files.</source>
      <translation>此仓库没有 GGUF 文件。</translation>
    </message>
    <message>
      <source>Trained context</source>
      <translation>训练上下文</translation>
    </message>
    <message>
      <source>Use this model</source>
      <translation>使用此模型</translation>
    </message>
    <message>
      <source>Your file</source>
      <translation>你的文件</translation>
    </message>
    <message>
      <source>best fit for this computer</source>
      <translation>最适合本机</translation>
    </message>
    <message>
      <source>prompted only</source>
      <translation>仅提示引导</translation>
    </message>
    <message numerus="yes">
      <source>%n GGUF file(s). The suggestion is the largest that fits in free memory.</source>
      <translation>
        <numerusform>%n 个 GGUF 文件。建议的是可用内存能容纳的最大文件。</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n part(s)</source>
      <translation>
        <numerusform>%n 个分片</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n repository(ies) found.</source>
      <translation>
        <numerusform>找到 %n 个仓库。</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>RemoteTab</name>
    <message>
      <source>A reasoning model (else thinking is prompted)</source>
      <translation>推理模型（否则用提示让它思考）</translation>
    </message>
    <message>
      <source>API key</source>
      <translation>API 密钥</translation>
    </message>
    <message>
      <source>API keys are kept in the OS keychain, never in the model list or in exports.</source>
      <translation>API 密钥保存在系统钥匙串中，绝不写入模型列表或导出文件。</translation>
    </message>
    <message>
      <source>Add and use</source>
      <translation>添加并使用</translation>
    </message>
    <message>
      <source>Added %1.</source>
      <translation>已添加 %1。</translation>
    </message>
    <message>
      <source>Base URL</source>
      <translation>基础 URL</translation>
    </message>
    <message>
      <source>Connected (the server does not list its models: type the model id).</source>
      <translation>已连接（服务器不列出模型：请输入模型 ID）。</translation>
    </message>
    <message>
      <source>Connecting…</source>
      <translation>正在连接…</translation>
    </message>
    <message>
      <source>Context</source>
      <translation>上下文</translation>
    </message>
    <message>
      <source>Give the server's base URL first.</source>
      <translation>请先填写服务器的基础 URL。</translation>
    </message>
    <message>
      <source>Model id</source>
      <translation>模型 ID</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>No OS keychain was found: API keys are kept in %1, a file only you can read.</source>
      <translation>未找到系统钥匙串：API 密钥保存在 %1，只有你能读取这个文件。</translation>
    </message>
    <message>
      <source>Server</source>
      <translation>服务器</translation>
    </message>
    <message>
      <source>Test connection</source>
      <translation>测试连接</translation>
    </message>
    <message>
      <source>Test the connection to list the server's models</source>
      <translation>测试连接以列出服务器上的模型</translation>
    </message>
    <message>
      <source>e.g. qwen3-32b on the lab server</source>
      <translation>例如：实验室服务器上的 qwen3-32b</translation>
    </message>
    <message>
      <source>not known (32,768 assumed)</source>
      <translation>未知（按 32,768 计）</translation>
    </message>
    <message>
      <source>only if the server needs one</source>
      <translation>仅当服务器需要时</translation>
    </message>
    <message numerus="yes">
      <source>Connected: the server has %n model(s).</source>
      <translation>
        <numerusform>已连接：服务器上有 %n 个模型。</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>ScalingLabDialog</name>
    <message>
      <source>Accuracy</source>
      <translation>准确率</translation>
    </message>
    <message>
      <source>Any path right</source>
      <translation>任一路径正确</translation>
    </message>
    <message>
      <source>Arithmetic</source>
      <translation>算术</translation>
    </message>
    <message>
      <source>Does more thinking give better answers on this model? The lab asks it generated problems with exact answers, with more paths (a vote) and with longer thinking, and draws accuracy against the tokens spent. Nothing is stored in your history.</source>
      <translation>多思考能让这个模型答得更好吗？实验室用自动生成、答案确定的题目提问，分别增加路径（投票）和延长思考，并画出准确率与所用 token 数的关系。不会保存到你的历史记录。</translation>
    </message>
    <message>
      <source>Max thinking</source>
      <translation>最大思考</translation>
    </message>
    <message>
      <source>Multiple choice</source>
      <translation>选择题</translation>
    </message>
    <message>
      <source>Paths</source>
      <translation>路径</translation>
    </message>
    <message>
      <source>Paths are whole numbers from 1 to 16 and budgets from 0, separated by commas.</source>
      <translation>路径数为 1 到 16 的整数，预算为从 0 起的整数，用逗号分隔。</translation>
    </message>
    <message>
      <source>Paths to compare</source>
      <translation>要比较的路径数</translation>
    </message>
    <message>
      <source>Problems</source>
      <translation>题目数</translation>
    </message>
    <message>
      <source>Run</source>
      <translation>运行</translation>
    </message>
    <message>
      <source>Scaling lab</source>
      <translation>扩展实验室</translation>
    </message>
    <message>
      <source>Seconds</source>
      <translation>秒</translation>
    </message>
    <message>
      <source>Seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>Stopped: the table shows the problems answered so far.</source>
      <translation>已停止：表格显示目前已回答的题目。</translation>
    </message>
    <message>
      <source>Task</source>
      <translation>任务</translation>
    </message>
    <message>
      <source>Thinking budgets (0: off)</source>
      <translation>思考预算（0：关闭）</translation>
    </message>
    <message>
      <source>Tokens</source>
      <translation>Token 数</translation>
    </message>
    <message>
      <source>Word problems</source>
      <translation>应用题</translation>
    </message>
    <message>
      <source>off</source>
      <translation>关闭</translation>
    </message>
  </context>
  <context>
    <name>ServeActions</name>
    <message>
      <source>API: %1</source>
      <translation>API：%1</translation>
    </message>
    <message>
      <source>API: starting…</source>
      <translation>API：正在启动…</translation>
    </message>
    <message>
      <source>Other programs on this computer can use the model with any OpenAI client at %1 (the thought comes in reasoning_content).</source>
      <translation>本机的其他程序可以用任意 OpenAI 客户端通过 %1 使用这个模型（思考内容在 reasoning_content 中）。</translation>
    </message>
    <message>
      <source>Serve</source>
      <translation>服务</translation>
    </message>
    <message>
      <source>Serving the model at %1</source>
      <translation>正在 %1 提供模型服务</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>Budget sentence</source>
      <translation>预算提示语</translation>
    </message>
    <message>
      <source>Careful reasoner</source>
      <translation>严谨推理者</translation>
    </message>
    <message>
      <source>Chain of thought</source>
      <translation>思维链</translation>
    </message>
    <message>
      <source>Chat</source>
      <translation>对话</translation>
    </message>
    <message>
      <source>Concise</source>
      <translation>简洁</translation>
    </message>
    <message>
      <source>Context length, GPU layers, CPU threads, sampling (temperature, top-p, top-k, min-p, repeat penalty) and the thinking format are remembered per model.</source>
      <translation>上下文长度、GPU 层数、CPU 线程、采样参数（温度、top-p、top-k、min-p、重复惩罚）和思考格式按模型分别保存。</translation>
    </message>
    <message>
      <source>Dark</source>
      <translation>深色</translation>
    </message>
    <message>
      <source>English</source>
      <translation>English</translation>
    </message>
    <message>
      <source>Example library…</source>
      <translation>示例库…</translation>
    </message>
    <message>
      <source>Follow the system</source>
      <translation>跟随系统</translation>
    </message>
    <message>
      <source>General</source>
      <translation>常规</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>Light</source>
      <translation>浅色</translation>
    </message>
    <message>
      <source>Max tokens per answer</source>
      <translation>每个回答的最大词元数</translation>
    </message>
    <message>
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <source>Name:</source>
      <translation>名称：</translation>
    </message>
    <message>
      <source>New preset</source>
      <translation>新预设</translation>
    </message>
    <message>
      <source>No system prompt</source>
      <translation>无系统提示词</translation>
    </message>
    <message>
      <source>None</source>
      <translation>无</translation>
    </message>
    <message>
      <source>Open the pane by itself when an answer starts thinking (not after you closed it)</source>
      <translation>回答开始思考时自动打开窗格（你关闭后不再自动打开）</translation>
    </message>
    <message>
      <source>Save as new preset…</source>
      <translation>另存为新预设…</translation>
    </message>
    <message>
      <source>Seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Settings for the current model…</source>
      <translation>当前模型的设置…</translation>
    </message>
    <message>
      <source>Switch the pane to the new answer's thought as soon as it starts</source>
      <translation>新回答开始时，窗格立即切换到它的思考</translation>
    </message>
    <message>
      <source>System language</source>
      <translation>系统语言</translation>
    </message>
    <message>
      <source>System prompt</source>
      <translation>系统提示词</translation>
    </message>
    <message>
      <source>Theme</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>Tutor</source>
      <translation>导师</translation>
    </message>
    <message>
      <source>Worked examples</source>
      <translation>示例</translation>
    </message>
    <message>
      <source>Worked examples (question, thought, answer) for prompted thinking</source>
      <translation>用于提示式思考的示例（问题、思考、回答）</translation>
    </message>
    <message>
      <source>Written into the thought when Max thinking or Answer now closes it, before the model answers</source>
      <translation>当“最大思考”或“立即回答”结束思考时，在模型回答之前写入思考中</translation>
    </message>
    <message>
      <source>e.g. Time is up; answering now.</source>
      <translation>例如：时间到了，现在回答。</translation>
    </message>
    <message>
      <source>random</source>
      <translation>随机</translation>
    </message>
    <message>
      <source>until the context is full</source>
      <translation>直到上下文用完</translation>
    </message>
    <message>
      <source>简体中文 (Simplified Chinese)</source>
      <translation>简体中文</translation>
    </message>
  </context>
  <context>
    <name>Sidebar</name>
    <message>
      <source>Also search the models' chains of thought</source>
      <translation>同时搜索模型的思维链</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>Delete (an answer is being written here)</source>
      <translation>删除（这里正在写回答）</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>导出…</translation>
    </message>
    <message>
      <source>Include thoughts</source>
      <translation>包括思考内容</translation>
    </message>
    <message>
      <source>New chat</source>
      <translation>新建对话</translation>
    </message>
    <message>
      <source>No matches</source>
      <translation>没有匹配项</translation>
    </message>
    <message>
      <source>Older</source>
      <translation>更早</translation>
    </message>
    <message>
      <source>Pin</source>
      <translation>置顶</translation>
    </message>
    <message>
      <source>Pinned</source>
      <translation>已置顶</translation>
    </message>
    <message>
      <source>Previous 30 days</source>
      <translation>过去 30 天</translation>
    </message>
    <message>
      <source>Previous 7 days</source>
      <translation>过去 7 天</translation>
    </message>
    <message>
      <source>Rename conversation</source>
      <translation>重命名对话</translation>
    </message>
    <message>
      <source>Rename…</source>
      <translation>重命名…</translation>
    </message>
    <message>
      <source>Search chats (Ctrl+F)</source>
      <translation>搜索对话 (Ctrl+F)</translation>
    </message>
    <message>
      <source>Title:</source>
      <translation>标题：</translation>
    </message>
    <message>
      <source>Today</source>
      <translation>今天</translation>
    </message>
    <message>
      <source>Unpin</source>
      <translation>取消置顶</translation>
    </message>
    <message>
      <source>Yesterday</source>
      <translation>昨天</translation>
    </message>
    <message>
      <source>in a thought</source>
      <translation>在思考中</translation>
    </message>
    <message numerus="yes">
      <source>%n match(es)</source>
      <translation>
        <numerusform>%n 个结果</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>StarterModelDialog</name>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Cancelling…</source>
      <translation>正在取消…</translation>
    </message>
    <message>
      <source>Checking the download…</source>
      <translation>正在校验下载内容…</translation>
    </message>
    <message>
      <source>Connecting to PyPI…</source>
      <translation>正在连接 PyPI…</translation>
    </message>
    <message>
      <source>Download</source>
      <translation>下载</translation>
    </message>
    <message>
      <source>Get a model</source>
      <translation>获取模型</translation>
    </message>
    <message>
      <source>Not now</source>
      <translation>以后再说</translation>
    </message>
    <message>
      <source>Open a GGUF file…</source>
      <translation>打开 GGUF 文件…</translation>
    </message>
    <message>
      <source>Reasoner Desktop needs a model to answer, and none is installed yet.

Download the starter model now? %1. It is downloaded once, its checksums are checked, and it is kept in your data folder. Nothing else is sent or installed.

Or open a GGUF model file you already have, or pick one from Hugging Face under File → Models…</source>
      <translation>Reasoner Desktop 需要一个模型来回答，目前还没有安装任何模型。

现在下载入门模型吗？%1。只下载一次，会校验其校验和，并保存在你的数据文件夹中。不会发送或安装其他任何东西。

或者打开你已有的 GGUF 模型文件，或在“文件 → 模型…”中从 Hugging Face 选择一个。</translation>
    </message>
    <message>
      <source>Try again</source>
      <translation>重试</translation>
    </message>
  </context>
  <context>
    <name>SteeringActions</name>
    <message>
      <source>%1 tokens/s</source>
      <translation>%1 词元/秒</translation>
    </message>
    <message>
      <source>Added to the example library (Settings → Example library).</source>
      <translation>已加入示例库（设置 → 示例库）。</translation>
    </message>
    <message>
      <source>Context in use: %1 tokens</source>
      <translation>使用中的上下文：%1 词元</translation>
    </message>
    <message>
      <source>Context: %1 / %2 tokens</source>
      <translation>上下文：%1 / %2 词元</translation>
    </message>
    <message>
      <source>JSON files (*.json);;All files (*)</source>
      <translation>JSON 文件 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Open a conversation first.</source>
      <translation>请先打开一个对话。</translation>
    </message>
    <message>
      <source>That answer no longer exists.</source>
      <translation>那个回答已不存在。</translation>
    </message>
    <message>
      <source>That conversation no longer exists.</source>
      <translation>那个对话已不存在。</translation>
    </message>
    <message>
      <source>The conversation is longer than the model's context window; the oldest turns were not sent to the model for this answer.</source>
      <translation>对话长度超过了模型的上下文窗口；本次回答没有把最早的几轮发送给模型。</translation>
    </message>
    <message>
      <source>The examples could not be read</source>
      <translation>无法读取示例</translation>
    </message>
    <message>
      <source>The thought could not be kept</source>
      <translation>无法保留这段思考</translation>
    </message>
    <message>
      <source>The thoughts could not be kept</source>
      <translation>无法保留这些思考</translation>
    </message>
    <message>
      <source>Thoughts are kept in the context of this chat.</source>
      <translation>此对话的思考会保留在上下文中。</translation>
    </message>
    <message>
      <source>Thoughts are left out of the context of this chat.</source>
      <translation>此对话的思考不放入上下文。</translation>
    </message>
    <message>
      <source>Worked examples</source>
      <translation>示例</translation>
    </message>
    <message numerus="yes">
      <source>%n old message(s) left out to fit the context</source>
      <translation>
        <numerusform>为适应上下文，省略了 %n 条较早的消息</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>StreamController</name>
    <message>
      <source>%1 of %2 agree so far</source>
      <translation>目前 %2 条路径中有 %1 条一致</translation>
    </message>
    <message>
      <source>%1 paths thinking…</source>
      <translation>%1 条路径正在思考…</translation>
    </message>
  </context>
  <context>
    <name>ThoughtPane</name>
    <message>
      <source>%1 / %2 thinking tokens</source>
      <translation>%1 / %2 个思考 token</translation>
    </message>
    <message>
      <source>%1 / %2 tokens</source>
      <translation>%1 / %2 个 token</translation>
    </message>
    <message>
      <source>%1 tokens</source>
      <translation>%1 词元</translation>
    </message>
    <message>
      <source>Answer now</source>
      <translation>立即回答</translation>
    </message>
    <message>
      <source>Chain of thought</source>
      <translation>思维链</translation>
    </message>
    <message>
      <source>Examples shown to the model:</source>
      <translation>给模型看的示例：</translation>
    </message>
    <message>
      <source>Hide the chain of thought</source>
      <translation>隐藏思维链</translation>
    </message>
    <message>
      <source>No thinking</source>
      <translation>未思考</translation>
    </message>
    <message>
      <source>Path %1</source>
      <translation>路径 %1</translation>
    </message>
    <message>
      <source>Stop thinking and answer now (Ctrl+Enter)</source>
      <translation>停止思考，立即回答（Ctrl+Enter）</translation>
    </message>
    <message>
      <source>The model's reasoning appears here while it thinks.</source>
      <translation>模型思考时，推理过程显示在这里。</translation>
    </message>
    <message>
      <source>Thinking… %1 s</source>
      <translation>思考中… %1 秒</translation>
    </message>
    <message>
      <source>Thought for %1 s</source>
      <translation>思考了 %1 秒</translation>
    </message>
    <message>
      <source>answer %1 s</source>
      <translation>回答 %1 秒</translation>
    </message>
    <message>
      <source>answered now</source>
      <translation>已立即回答</translation>
    </message>
    <message>
      <source>continued +%1</source>
      <translation>继续 +%1</translation>
    </message>
    <message>
      <source>cut</source>
      <translation>已截断</translation>
    </message>
    <message>
      <source>cut at %1</source>
      <translation>在 %1 处截断</translation>
    </message>
    <message>
      <source>extended ×%1</source>
      <translation>延长 ×%1</translation>
    </message>
  </context>
  <context>
    <name>WelcomePanel</name>
    <message>
      <source>&lt;h2&gt;Welcome to Reasoner Desktop&lt;/h2&gt;</source>
      <translation>&lt;h2&gt;欢迎使用 Reasoner Desktop&lt;/h2&gt;</translation>
    </message>
    <message>
      <source>Download a reasoning model…</source>
      <translation>下载推理模型…</translation>
    </message>
    <message>
      <source>Everything runs on this computer; nothing you type leaves it.&lt;br&gt;&lt;br&gt;A tiny model, &lt;b&gt;SmolLM2-135M&lt;/b&gt;, came with the app so you can try it right away. It is not a reasoning model: the app &lt;i&gt;prompts&lt;/i&gt; it to think first, and you can watch its chain of thought in the pane on the right. It is fast but not clever.&lt;br&gt;&lt;br&gt;For real answers, download a reasoning model such as &lt;b&gt;Qwen3&lt;/b&gt; or a &lt;b&gt;DeepSeek-R1&lt;/b&gt; distill (about 1–5 GB), or open a GGUF file you already have.</source>
      <translation>一切都在这台电脑上运行；你输入的内容不会离开它。&lt;br&gt;&lt;br&gt;应用自带一个很小的模型 &lt;b&gt;SmolLM2-135M&lt;/b&gt;，可以马上试用。它不是推理模型：应用会&lt;i&gt;提示&lt;/i&gt;它先思考，你可以在右侧窗格看到它的思维链。它很快，但不够聪明。&lt;br&gt;&lt;br&gt;想要真正的答案，请下载推理模型，例如 &lt;b&gt;Qwen3&lt;/b&gt; 或 &lt;b&gt;DeepSeek-R1&lt;/b&gt; 蒸馏版（约 1–5 GB），或打开你已有的 GGUF 文件。</translation>
    </message>
    <message>
      <source>Open a GGUF file…</source>
      <translation>打开 GGUF 文件…</translation>
    </message>
    <message>
      <source>Or just type a question below to start with the tiny model.</source>
      <translation>或者直接在下方输入问题，用这个小模型开始。</translation>
    </message>
  </context>
</TS>