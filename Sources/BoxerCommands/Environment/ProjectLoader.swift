import BoxStore
import BoxerSupport
import Foundation
import Vagrantfile

extension VagrantfileLoader {
    /// The loader every environment command uses: the Vagrantfile lookup of Vagrant, with each
    /// machine's installed box supplying its packaged Vagrantfile as the lowest layer. The file
    /// is the user's program and runs as under Vagrant (shell commands, writes, `puts`, `exit`),
    /// with `ARGV` the command line after `boxer`.
    static func forProject(environment: [String: String] = ProcessInfo.processInfo.environment) -> VagrantfileLoader {
        let home = BoxerHome(environment: environment)
        let architecture = HostArchitecture.current(environment: environment)
        return VagrantfileLoader(
            environment: environment, home: home, effects: .performed, arguments: Array(CommandLine.arguments.dropFirst())
        ) { machine in
            let provider = DefaultProvider.choose(for: machine, environment: environment)
            let resolved = machine.resolved(for: provider)
            guard let box = resolved.box, !box.isEmpty, !box.contains("://") else { return nil }
            let wanted = resolved.boxArchitecture.flatMap { $0 == "auto" || $0.isEmpty ? nil : $0 } ?? architecture
            return BoxStore.find(
                in: home, name: box, versionRequirement: resolved.boxVersion,
                providers: BoxFormat.names(for: provider), architecture: wanted
            )?.vagrantfile
        }
    }
}

/// The box formats (provider folders in the store) a provider runs, most preferred first.
enum BoxFormat {
    static func names(for provider: String) -> [String] {
        switch provider {
        // boxer's QEMU provider runs the qcow2 boxes made for vagrant-libvirt and vagrant-qemu.
        case "qemu", "libvirt": ["libvirt", "qemu"]
        case "vmware_desktop", "vmware_fusion", "vmware_workstation": ["vmware_desktop", "vmware_fusion", "vmware_workstation"]
        default: [provider]
        }
    }
}
