import Foundation

/// A plugin a project carries in its own files (a vendored vagrant-reload, say):
/// `class Plugin < Vagrant.plugin("2")` whose body calls Vagrant's registration methods
/// (`name`, `description`, `provisioner "reload" do ... end`, `config`, `command`, ...). Vagrant
/// runs a registration's block only when it uses that component, so boxer does not run them; a
/// provisioner the plugin registers becomes a known provisioner type, which boxer skips at `up`
/// and says so. Reopening Vagrant's own plugins (`VagrantPlugins::GuestLinux`) stays refused.
enum PluginDefinitions {
    /// The modules under VagrantPlugins that Vagrant 2.3.4 and vagrant-libvirt define themselves.
    static let vagrantsModules: Set<String> = [
        "Ansible", "AtlasPush", "CFEngine", "Chef", "CloudCommand", "CommandAutocomplete", "CommandBox", "CommandCap", "CommandDestroy",
        "CommandGlobalStatus", "CommandHalt", "CommandHelp", "CommandInit", "CommandListCommands", "CommandPS", "CommandPackage",
        "CommandPlugin", "CommandPort", "CommandProvider", "CommandProvision", "CommandPush", "CommandRDP", "CommandReload",
        "CommandResume", "CommandSSH", "CommandSSHConfig", "CommandServe", "CommandSnapshot", "CommandStatus", "CommandSuspend",
        "CommandUp", "CommandUpload", "CommandValidate", "CommandVersion", "CommandWinRM", "CommandWinRMConfig", "CommunicatorSSH",
        "CommunicatorWinRM", "CommunicatorWinSSH", "ContainerProvisioner", "DockerProvider", "DockerProvisioner", "FTPPush", "FileUpload",
        "GuestALT", "GuestAlma", "GuestAlpine", "GuestAmazon", "GuestArch", "GuestAtomic", "GuestBSD", "GuestCentos", "GuestCoreOS",
        "GuestDarwin", "GuestDebian", "GuestDragonFlyBSD", "GuestElementary", "GuestEsxi", "GuestFedora", "GuestFreeBSD", "GuestFuntoo",
        "GuestGentoo", "GuestHaiku", "GuestKali", "GuestLinux", "GuestMint", "GuestNetBSD", "GuestNixos", "GuestOmniOS", "GuestOpenBSD",
        "GuestOpenWrt", "GuestPhoton", "GuestPld", "GuestRedHat", "GuestRocky", "GuestSUSE", "GuestSlackware", "GuestSmartos",
        "GuestSolaris", "GuestSolaris11", "GuestTinyCore", "GuestTrisquel", "GuestUbuntu", "GuestWindows", "HerokuPush", "HostALT",
        "HostArch", "HostBSD", "HostDarwin", "HostFreeBSD", "HostGentoo", "HostLinux", "HostNull", "HostRedHat", "HostSUSE",
        "HostSlackware", "HostVoid", "HostWindows", "HyperV", "Kernel_V1", "Kernel_V2", "LocalExecPush", "LoginCommand", "NoopDeploy",
        "PodmanProvisioner", "ProviderLibvirt", "ProviderVirtualBox", "Puppet", "Salt", "Shell", "SyncedFolder", "SyncedFolder9P",
        "SyncedFolderNFS", "SyncedFolderRSync", "SyncedFolderSMB", "SyncedFolderVirtioFS",
    ]

    /// Whether `path` ("VagrantPlugins::GuestLinux::Cap") is inside one of Vagrant's own plugins.
    static func isVagrants(_ path: String) -> Bool {
        let parts = path.components(separatedBy: "::")
        return parts.count >= 2 && parts[0] == "VagrantPlugins" && vagrantsModules.contains(parts[1])
    }

    /// Vagrant::Plugin::V2::Plugin's class methods, which register a component.
    static let registrations = [
        "description", "provisioner", "config", "command", "communicator", "guest", "guest_capability", "host", "host_capability",
        "provider", "provider_capability", "push", "synced_folder", "synced_folder_capability", "action_hook",
    ]

    /// What `Vagrant.plugin(version, component)` answers: the class a plugin (or, with a component
    /// such as `:provisioner`, a plugin's component) inherits from.
    static func baseClass(component: String?, host: VagrantHost) -> RubyClass {
        let name =
            component.map { "Vagrant::Plugin::V2::" + $0.split(separator: "_").map { $0.capitalized }.joined() }
            ?? "Vagrant::Plugin::V2::Plugin"
        let type = RubyClass(name: name, isModule: false, superclass: nil, builtinAncestor: "Object")
        guard component == nil else { return type }
        for method in registrations {
            type.singleton.methods[method] = MethodDefinition(
                name: method,
                body: .native { [weak host] _, arguments in
                    if method == "provisioner", let provisioner = arguments.positional.first?.text {
                        host?.configurator.pluginProvisioners.insert(provisioner)
                    }
                    return .null
                }, owner: type.singleton)
        }
        // `name "Reload"` names the plugin; without an argument it is the class's name.
        type.singleton.methods["name"] = MethodDefinition(
            name: "name",
            body: .native { receiver, arguments in
                guard arguments.positional.isEmpty, case .object(let plugin as RubyClass) = receiver else { return .null }
                return .string(plugin.name)
            }, owner: type.singleton)
        return type
    }
}
