<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
  <context>
    <name>ChatView</name>
    <message numerus="yes">
      <source>Show %Ln earlier message(s)</source>
      <translation>
        <numerusform>Show %Ln earlier message</numerusform>
        <numerusform>Show %Ln earlier messages</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>FileActions</name>
    <message numerus="yes">
      <source>%n thumbs-up example(s) written.</source>
      <translation>
        <numerusform>%n thumbs-up example written.</numerusform>
        <numerusform>%n thumbs-up examples written.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Imported %n conversation(s).</source>
      <translation>
        <numerusform>Imported %n conversation.</numerusform>
        <numerusform>Imported %n conversations.</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>ModelsDialog</name>
    <message numerus="yes">
      <source>%n GGUF file(s). The suggestion is the largest that fits in free memory.</source>
      <translation>
        <numerusform>%n GGUF file. The suggestion is the largest that fits in free memory.</numerusform>
        <numerusform>%n GGUF files. The suggestion is the largest that fits in free memory.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n part(s)</source>
      <translation>
        <numerusform>%n part</numerusform>
        <numerusform>%n parts</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n repository(ies) found.</source>
      <translation>
        <numerusform>%n repository found.</numerusform>
        <numerusform>%n repositories found.</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>RemoteTab</name>
    <message numerus="yes">
      <source>Connected: the server has %n model(s).</source>
      <translation>
        <numerusform>Connected: the server has %n model.</numerusform>
        <numerusform>Connected: the server has %n models.</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>Sidebar</name>
    <message numerus="yes">
      <source>%n match(es)</source>
      <translation>
        <numerusform>%n match</numerusform>
        <numerusform>%n matches</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>SteeringActions</name>
    <message numerus="yes">
      <source>%n old message(s) left out to fit the context</source>
      <translation>
        <numerusform>%n old message left out to fit the context</numerusform>
        <numerusform>%n old messages left out to fit the context</numerusform>
      </translation>
    </message>
  </context>
</TS>