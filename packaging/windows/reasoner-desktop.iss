; Inno Setup script for the Windows bundle (NOT TESTED HERE: no Windows machine). Build the folder with
; PyInstaller first (packaging/README.md), then: iscc packaging\windows\reasoner-desktop.iss
#define AppVersion "0.1.0"

[Setup]
AppId={{7E6C2F7A-3B7B-4C55-9A3C-2F1F7D9B5E11}
AppName=Reasoner Desktop
AppVersion={#AppVersion}
AppPublisher=Reasoner Desktop
DefaultDirName={localappdata}\Programs\Reasoner Desktop
DefaultGroupName=Reasoner Desktop
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=reasoner-desktop-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible

[Files]
Source: "..\..\dist\reasoner-desktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Reasoner Desktop"; Filename: "{app}\reasoner-desktop.exe"
Name: "{userdesktop}\Reasoner Desktop"; Filename: "{app}\reasoner-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\reasoner-desktop.exe"; Description: "Start Reasoner Desktop"; Flags: nowait postinstall skipifsilent
