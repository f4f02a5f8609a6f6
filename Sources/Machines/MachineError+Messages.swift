import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// Every message the Machines module throws, in one place; each says what to do.
/// (The providers' own messages are in Providers/Support/MachineError+ProviderMessages.swift.)
extension MachineError {
    /// Another module's error, its message passed on as it is.
    public static func passing(_ error: some CustomStringConvertible, as kind: Kind) -> MachineError {
        MachineError(kind, error.description)
    }

    // MARK: - Machines of the environment

    static func notDefined(_ name: String, in vagrantfile: String?, machines: [String]) -> MachineError {
        MachineError(
            .configuration,
            "The machine '\(name)' is not defined in \(vagrantfile ?? "the Vagrantfile"). Machines: \(machines.joined(separator: ", "))."
        )
    }

    static func providerUnavailable(_ name: String, machine: String, providers: [String]) -> MachineError {
        MachineError(
            .configuration,
            "The provider '\(name)' for machine '\(machine)' is not available. Providers: \(providers.joined(separator: ", "))."
        )
    }

    /// One machine's failure in a command that ran several, prefixed with the machine's name.
    static func ofMachine(_ name: String, _ error: MachineError) -> MachineError {
        // An abort has said why it ends; it stays silent.
        if error.message.isEmpty { return error }
        return MachineError(error.kind, "\(name): \(error.message)", exitCode: error.exitCode)
    }

    /// Several machines' failures, one line each; cancelled (Ctrl-C, exit 130) only when every machine was,
    /// else the first real failure's kind.
    static func ofMachines(_ failures: [(String, MachineError)]) -> MachineError {
        let kind = failures.first { $0.1.kind != .cancelled }?.1.kind ?? .cancelled
        let said = failures.filter { !$0.1.message.isEmpty }
        return MachineError(
            kind, said.map { "\($0.0): \($0.1.message)" }.joined(separator: "\n"), exitCode: failures.lazy.compactMap(\.1.exitCode).first)
    }

    static func cannotRunHere(_ name: String, provider: String, reason: String) -> MachineError {
        MachineError(.provider, "The machine '\(name)' cannot run here with \(provider): \(reason)")
    }

    static func noID(_ name: String) -> MachineError {
        MachineError(.provider, "machine '\(name)' has no id")
    }

    static func didNotStart(_ name: String, _ error: any Error) -> MachineError {
        MachineError(.provider, "machine '\(name)' did not start: \(error)")
    }

    static func notRunning(_ name: String) -> MachineError {
        MachineError(.communicator, "The machine '\(name)' is not running. Run `boxer up \(name)` first.")
    }

    static func untrustedID(_ machine: String, file: String, problem: String) -> MachineError {
        MachineError(
            .untrustedState,
            """
            The machine '\(machine)' has an id file boxer cannot trust: \(file): \(problem). \
            Nothing was stopped or deleted on its account. The file may have been edited, cut short by a full disk, or \
            come with a copied project. If the machine still exists, write its id back into the file; if it is gone, \
            remove the file (rm '\(file)') and run `boxer up` to create the machine again.
            """)
    }

    // MARK: - Boxes

    static func noBox(_ name: String, in vagrantfile: String?) -> MachineError {
        MachineError(.configuration, "The machine '\(name)' has no box: set config.vm.box in \(vagrantfile ?? "the Vagrantfile").")
    }

    /// The box is installed, but for other providers, architectures or versions.
    static func boxInWrongForm(
        _ box: String, provider: String, formats: [String], architecture: String, version: String?, installed: [InstalledBox],
        add: String
    ) -> MachineError {
        MachineError(
            .boxMissing,
            "The box '\(box)' is installed, but not in a form the \(provider) provider runs (box formats \(formats.joined(separator: ", ")), architecture \(architecture)\(version.map { ", version \($0)" } ?? "")). Installed: \(installed.map { "\($0.provider) \($0.version)\($0.architecture.map { " \($0)" } ?? "")" }.joined(separator: "; ")). Add the right one:\n    \(add) --provider \(formats.first ?? provider)"
        )
    }

    static func boxAddFailed(_ box: String, machine: String, urls: [String], error: BoxStoreError) -> MachineError {
        let from = urls.isEmpty ? "" : " from \(urls.joined(separator: ", ")) (config.vm.box_url)"
        return MachineError(
            .boxMissing,
            "Adding the box '\(box)' for the machine '\(machine)'\(from) failed; no machine was created or changed.\n\(error.description)\nTo add it yourself: boxer box add \(box) \(urls.first ?? "<file or URL of the .box>")"
        )
    }

    /// A failed add of a box that is installed in other forms: both, so the user sees why.
    static func boxAddFailed(_ failure: MachineError, installedInWrongForm: MachineError) -> MachineError {
        MachineError(.boxMissing, failure.message + "\n" + installedInWrongForm.message)
    }

    static func boxNotInstalled(_ box: String, version: String?, provider: String, formats: [String], architecture: String, add: String)
        -> MachineError
    {
        MachineError(
            .boxMissing,
            "The box '\(box)'\(version.map { " (\($0))" } ?? "") is not installed for the \(provider) provider (box formats \(formats.joined(separator: ", ")), architecture \(architecture)). Add it first:\n    \(add)"
        )
    }

    // MARK: - Forwarded ports

    static func invalidPortPair(guest: Int, host: Int, machine: String) -> MachineError {
        MachineError(
            .configuration,
            "The forwarded port \(guest) => \(host) of machine '\(machine)' is not a valid port pair: both ports must be within 1..65535."
        )
    }

    static func invalidHostIP(_ hostIP: String, guest: Int, host: Int, machine: String) -> MachineError {
        MachineError(
            .configuration,
            "The forwarded port \(guest) => \(host) of machine '\(machine)' has host_ip \"\(hostIP)\", which is not an IPv4 address (e.g. \"127.0.0.1\" or \"0.0.0.0\")."
        )
    }

    static func portInUse(_ host: Int, guest: Int, machine: String, hostIP: String) -> MachineError {
        MachineError(
            .portInUse,
            "The forwarded port \(host) (guest \(guest)) of machine '\(machine)' is already in use on \(hostIP). Stop what uses it, choose another host port, or add `auto_correct: true` to its forwarded_port line."
        )
    }

    static func noFreePort(_ host: Int, guest: Int, machine: String, range: ClosedRange<Int>) -> MachineError {
        MachineError(
            .portInUse,
            "No free port for forwarded port \(host) (guest \(guest)) of machine '\(machine)' in \(range.lowerBound)..\(range.upperBound) (config.vm.usable_port_range)."
        )
    }

    static func invalidPortRange(_ text: String, machine: String) -> MachineError {
        MachineError(
            .configuration,
            "config.vm.usable_port_range of machine '\(machine)' is \(text); it must be a range of ports within 1..65535, e.g. 2200..2250."
        )
    }

    // MARK: - The internal network and its static addresses

    static func staticAddressesUnusable(in vagrantfile: String?, place: String, _ error: NetworkError) -> MachineError {
        MachineError(
            .configuration, "The static addresses of \(vagrantfile ?? "the Vagrantfile") (\(place)) cannot be used: \(error.message)")
    }

    static func severalPrivateNetworks(_ count: Int, machine: String, at place: String, first: String) -> MachineError {
        MachineError(
            .configuration,
            "\(place): machine '\(machine)' has \(count) private networks (also at \(first)). boxer gives each machine one internal network (NIC2), shared by the environment's machines; keep one `private_network` per machine."
        )
    }

    private static let privateNetworkUsage =
        "Each environment gets one internal network, a /24: the one its static addresses are in (a.b.c.0/24, its switch and DHCP server at a.b.c.1), else a free 192.168.X.0/24. Use addresses from a.b.c.2 to a.b.c.254, or type: \"dhcp\"."

    static func notAnIPv4Address(_ text: String, machine: String, at place: String) -> MachineError {
        MachineError(
            .configuration, "\(place): machine '\(machine)': private_network ip \"\(text)\" is not an IPv4 address. \(privateNetworkUsage)")
    }

    static func unsupportedNetmask(_ mask: String, machine: String, at place: String) -> MachineError {
        MachineError(
            .configuration,
            "\(place): machine '\(machine)': netmask \"\(mask)\" is not supported; the internal network is a /24 (255.255.255.0). Remove netmask: or set it to \"255.255.255.0\"."
        )
    }

    /// An address that is not a machine's on any internal network: `isNetworkAddress` when it is a network's .1.
    static func notAMachineAddress(_ text: String, isNetworkAddress: Bool, machine: String, at place: String) -> MachineError {
        let reason =
            isNetworkAddress
            ? "is the network's own address (its switch and DHCP server)"
            : "is the network's address or its broadcast address, not a machine's"
        return MachineError(.configuration, "\(place): machine '\(machine)': private_network ip \(text) \(reason). \(privateNetworkUsage)")
    }

    static func twoNetworks(
        _ text: String, machine: String, at place: String, other: String, otherSubnet: EnvironmentSubnet, otherPlace: String
    ) -> MachineError {
        MachineError(
            .configuration,
            "\(place): machine '\(machine)' is given \(text), but machine '\(other)' is given an address in \(otherSubnet) (\(otherPlace)). An environment has one internal network: put all its static addresses in the same /24."
        )
    }

    /// A /24 boxer cannot give an environment: NIC1's NAT network, loopback, link-local, multicast.
    static func unusableNetwork(_ text: String, _ subnet: EnvironmentSubnet, machine: String, at place: String) -> MachineError {
        let reason =
            subnet == .natNetwork
            ? "is the NAT network that every machine's first NIC is on (10.0.2.0/24), so the guest could not tell the two apart"
            : "is a loopback, link-local, multicast or reserved network"
        return MachineError(
            .configuration,
            "\(place): machine '\(machine)': private_network ip \(text): \(subnet) \(reason). Use addresses in another /24, such as 192.168.56.0/24."
        )
    }

    static func addressTaken(_ text: String, machine: String, at place: String, owner: String, ownerPlace: String) -> MachineError {
        MachineError(
            .configuration,
            "\(place): machine '\(machine)' is given \(text), which machine '\(owner)' already has (\(ownerPlace)). Give each machine its own address."
        )
    }

    static func cannotCreateNetworkFolders(_ reason: String) -> MachineError {
        MachineError(.io, "cannot create the network's folders: \(reason)")
    }

    static func cannotCreate(_ path: String, _ reason: String) -> MachineError {
        MachineError(.io, "cannot create \(path): \(reason)")
    }

    static func switchDidNotStart(_ subnet: EnvironmentSubnet, executable: String) -> MachineError {
        MachineError(.provider, "the network switch for \(subnet) did not start (\(executable) network-switch)")
    }

    static func cannotStartSwitch(_ executable: String, _ reason: String) -> MachineError {
        MachineError(.provider, "cannot start the network switch (\(executable)): \(reason)")
    }

    // MARK: - SSH and the guest

    static func stoppedBeforeSSH(console: String) -> MachineError {
        MachineError(.bootTimeout, "the machine stopped while boxer waited for SSH. Its console ended with:\n\(console)")
    }

    static let sshWaitCancelled = MachineError(.cancelled, "stopped waiting for SSH: cancelled")

    static func noSSHAnswer(host: String, port: Int, timeout: Int, console: String) -> MachineError {
        MachineError(
            .bootTimeout,
            "the machine did not answer SSH on \(host):\(port) within \(timeout) s (config.vm.boot_timeout). Its console ended with:\n\(console)"
        )
    }

    static func noSSHForward(_ name: String) -> MachineError {
        MachineError(.communicator, "machine '\(name)' has no SSH port forward")
    }

    static func cannotCopy(_ local: String, to remote: String, _ reason: String) -> MachineError {
        MachineError(.communicator, "cannot copy \(local) to the machine's \(remote): \(reason)")
    }

    static func rsyncFailed(_ source: String, to guestPath: String, _ reason: String) -> MachineError {
        MachineError(.communicator, "rsync of \(source) to \(guestPath) failed: \(reason)")
    }

    static func keygenFailed(_ reason: String) -> MachineError {
        MachineError(.toolMissing, "ssh-keygen could not make the machine's key: \(reason) (Debian: apt-get install openssh-client)")
    }

    static func insecureKeyNotReplaced(_ machine: String, _ reason: String) -> MachineError {
        MachineError(.communicator, "could not replace the insecure key in machine '\(machine)': \(reason)")
    }

    static func damagedPrivateKey(_ machine: String, path: String, problem: String) -> MachineError {
        MachineError(
            .untrustedState,
            """
            The machine '\(machine)' has a damaged private key: \(path): \(problem). boxer logs in to the machine \
            with it, and the machine accepts no other key. Restore the file from a backup if you have one; else the machine \
            cannot be reached over SSH: `boxer destroy \(machine)` and `boxer up` make it again.
            """)
    }

    static func cannotWriteSeed(_ path: String, _ reason: String) -> MachineError {
        MachineError(.io, "cannot write the seed \(path) (\(reason))")
    }

    static func cannotRun(_ program: String, _ error: some CustomStringConvertible) -> MachineError {
        MachineError(.toolMissing, "cannot run \(program): \(error)")
    }

    // MARK: - Provisioners

    static func unreadableScript(_ file: String, path: String) -> MachineError {
        MachineError(.provisioner, "The shell provisioner's script \(file) cannot be read (path: \"\(path)\").")
    }

    static func shellWithoutScript(machine: String) -> MachineError {
        MachineError(.provisioner, "A shell provisioner of machine '\(machine)' has neither inline nor path.")
    }

    static func shellFailed(_ provisioner: String?, machine: String, status: Int32) -> MachineError {
        MachineError(
            .provisioner,
            "The shell provisioner\(provisioner.map { " '\($0)'" } ?? "") of machine '\(machine)' exited with status \(status). The output above shows why."
        )
    }

    static func fileWithoutEnds(machine: String) -> MachineError {
        MachineError(.provisioner, "A file provisioner of machine '\(machine)' needs source and destination.")
    }

    static func fileSourceMissing(_ local: String) -> MachineError {
        MachineError(.provisioner, "The file provisioner's source \(local) does not exist.")
    }

    // MARK: - The machine index

    static func cannotEncodeIndexEntry(_ name: String, _ error: any Error) -> MachineError {
        MachineError(.io, "cannot encode the machine index entry of \(name): \(error)")
    }

    static func cannotUpdateIndex(_ file: String, _ error: any Error) -> MachineError {
        MachineError(.io, "cannot update the machine index \(file): \(error)")
    }

    static func unreadableIndex(_ file: String) -> MachineError {
        MachineError(.io, "the machine index \(file) is not JSON boxer can read; it is left as it is. Move it away to start a new one.")
    }

    static func cannotLockIndex(in folder: String) -> MachineError {
        MachineError(.locked, "cannot lock the machine index in \(folder)")
    }

    // MARK: - Ansible (in Vagrant's words where it has them)

    static func ansibleFileMissing(_ option: String, path: String, system: String) -> MachineError {
        MachineError(.provisioner, "`\(option)` does not exist on the \(system): \(path)")
    }

    static func ansibleNotOnHost(_ command: String) -> MachineError {
        MachineError(
            .toolMissing,
            "The Ansible software could not be found! Please verify that Ansible is correctly installed on your host system: `\(command)` is not on PATH. On Debian or Ubuntu: apt-get install ansible (or ansible-core)."
        )
    }

    static func ansibleNotOnGuest(machine: String, reason: String) -> MachineError {
        MachineError(
            .provisioner,
            "The Ansible software could not be found in the machine '\(machine)', and \(reason). Install Ansible in the box (Debian: apt-get install ansible-core), or give the machine network access for `install`."
        )
    }

    static func ansibleVersionMismatch(system: String, required: String, current: String) -> MachineError {
        MachineError(
            .provisioner,
            "The requested Ansible version (\(required)) was not found on the \(system). Ansible \(current) is installed; set `version` to it, or to \"latest\"."
        )
    }

    static func ansibleCompatibilityConflict(system: String, version: String) -> MachineError {
        MachineError(
            .provisioner,
            "Ansible \(version) on the \(system) does not support compatibility_mode '2.0' (it needs Ansible 2.0 or newer): set compatibility_mode to '1.8' or 'auto'."
        )
    }

    static func ansibleFailed(machine: String, step: String, status: Int32) -> MachineError {
        MachineError(
            .provisioner,
            "Ansible failed to complete successfully (\(step) for machine '\(machine)' exited with status \(status)). Any error output should be visible above. Please fix these errors and try again; `boxer provision \(machine)` runs it again."
        )
    }

    static func ansibleNeedsTerminal(_ option: String) -> MachineError {
        MachineError(
            .provisioner,
            "`\(option)` asks for a password on the terminal, and boxer has none here. Run `boxer up` or `boxer provision` from a terminal, or use vault_password_file."
        )
    }

    static func cannotWriteInventory(_ path: String, _ error: some Error) -> MachineError {
        MachineError(.io, "Cannot write the Ansible inventory \(path): \(error)")
    }

    // MARK: - Docker and Podman

    static func containerEngineMissing(_ engine: String, machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "\(engine == "docker" ? "Docker" : "Podman") is not installed in the machine '\(machine)' and could not be installed (it needs the guest to reach its package mirror). Install it in the box (Debian: apt-get install \(engine == "docker" ? "docker.io" : "podman"))."
        )
    }

    static func dockerNotRunning(machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "Docker is not running in the machine '\(machine)' (no /var/run/docker.pid after `service docker start`). Check `sudo service docker status` in the guest."
        )
    }

    static func containerStepFailed(command: String, machine: String, status: Int32) -> MachineError {
        MachineError(.provisioner, "`\(command)` failed in the machine '\(machine)' with status \(status). The output above shows why.")
    }

    // MARK: - Puppet

    static func puppetNotDetected(machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "The `puppet` binary appears not to be in the PATH of the guest '\(machine)' (nor in /opt/puppetlabs/bin). Puppet provisioning can not continue without Puppet properly installed: install it in the box (Debian: apt-get install puppet)."
        )
    }

    static func puppetFolderMissing(_ path: String) -> MachineError {
        MachineError(
            .provisioner,
            "The Puppet folder \(path) does not exist on the host; create it or fix manifests_path, environment_path or module_path.")
    }

    static func provisionerFailed(_ type: String, command: String, machine: String, status: Int32) -> MachineError {
        MachineError(
            .provisioner,
            "The \(type) provisioner of machine '\(machine)' failed: `\(command)` exited with status \(status). The output above shows why."
        )
    }

    // MARK: - Salt

    static func saltNotInstalled(machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "Salt is not installed in the machine '\(machine)', and boxer does not carry Vagrant's copy of bootstrap-salt.sh. Install Salt in the box (Debian: apt-get install salt-minion), or set salt.bootstrap_script to the bootstrap script in your project."
        )
    }

    static func saltBootstrapFailed(machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "Bootstrapping or configuring Salt failed in the machine '\(machine)'. Set salt.verbose = true to see the script's output.")
    }
    // MARK: - Chef

    static func chefNotDetected(machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "The chef binary (either `chef-solo` or `chef-client`) was not found on the machine '\(machine)' and is required for chef provisioning. Please verify that chef is installed and that the binary is available on the PATH (installing it needs the guest to reach omnitruck.chef.io)."
        )
    }

    static func chefNoConvergence(machine: String) -> MachineError {
        MachineError(
            .provisioner,
            "Chef never successfully completed in the machine '\(machine)'! Any errors should be visible in the output above. Please fix your recipes so that they properly complete."
        )
    }

    static func cloudInitSetting(machine: String, _ problem: String) -> MachineError {
        MachineError(.configuration, "config.vm.cloud_init of machine '\(machine)': \(problem).")
    }

    static func ansibleInventoryNotWritten(machine: String, folder: String, _ error: String) -> MachineError {
        MachineError(
            .provisioner,
            "Cannot prepare the Ansible inventory folder \(folder) in the machine '\(machine)': \(error.trimmingCharacters(in: .whitespacesAndNewlines)). Check tmp_path."
        )
    }

    // MARK: - Triggers

    /// A trigger's `abort`: boxer stops at once with that status, having said so.
    static func triggerAborted(status: Int32) -> MachineError {
        MachineError(.configuration, "", exitCode: status)
    }

    /// A trigger's `run` or `run_remote` failed and its `on_error` is `:halt` (the default).
    static func triggerFailed(_ trigger: Trigger, _ error: MachineError) -> MachineError {
        MachineError(
            .provisioner,
            "The trigger \(trigger.name.map { "'\($0)' " } ?? "")written at \(trigger.location) failed: \(error.message)\nSet `on_error: :continue` on the trigger to carry on when it fails."
        )
    }

    static func triggerBlockFailed(_ trigger: Trigger, _ error: VagrantfileError) -> MachineError {
        MachineError(
            .configuration,
            "The ruby block of the trigger \(trigger.name.map { "'\($0)' " } ?? "")written at \(trigger.location) failed: \(error)")
    }

    static func triggerExitCode(_ status: Int32) -> MachineError {
        MachineError(.provisioner, "A script exited with an unacceptable exit code \(status).")
    }

    static func triggerUnmatchedQuote(_ line: String) -> MachineError {
        MachineError(.configuration, "The trigger's command has an unmatched quote: \(line)")
    }

    static func triggerGuestMissing() -> MachineError {
        MachineError(.provisioner, "Could not run remote script on guest because it does not exist.")
    }

    static func triggerGuestNotRunning(_ machine: String, state: String) -> MachineError {
        MachineError(.provisioner, "Could not run remote script on \(machine) because its state is \(state)")
    }

    // MARK: - Snapshots

    public static func snapshotsNotSupported(provider: String) -> MachineError {
        MachineError(
            .provider,
            "The \(provider) provider doesn't support snapshots in boxer. Snapshots work with the qemu provider (and VirtualBox, VMware, Parallels)."
        )
    }

    static func snapshotExists(_ name: String, machine: String) -> MachineError {
        MachineError(
            .configuration,
            "The snapshot '\(name)' of \(machine) exists already. You must include the `--force` option to replace an existing snapshot.")
    }

    public static func snapshotNotFound(_ name: String, machine: String) -> MachineError {
        MachineError(
            .configuration,
            "The snapshot name `\(name)` was not found for the virtual machine `\(machine)`. `boxer snapshot list \(machine)` lists its snapshots."
        )
    }

    static func snapshotNameInvalid(_ name: String) -> MachineError {
        MachineError(
            .configuration,
            "'\(name)' cannot name a snapshot: use letters, digits, '-', '_' and '.' (at most 64), not starting with '-'.")
    }

    // MARK: - Upload

    static func uploadSourceMissing(_ source: String) -> MachineError {
        MachineError(
            .configuration,
            "The source path provided for upload cannot be found. Please validate the source location for upload: \(source)")
    }

    static func uploadCompressionType(_ type: String) -> MachineError {
        MachineError(.configuration, "Compression type '\(type)' is not supported. Valid types: tgz, zip.")
    }

    static func uploadFailed(_ said: String) -> MachineError {
        MachineError(.communicator, "The upload failed: \(said.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    // MARK: - Package

    public static func packageNotSupported(provider: String) -> MachineError {
        MachineError(
            .provider,
            "boxer cannot package machines of the \(provider) provider; `boxer package` works with qemu, virtualbox, vmware_desktop and parallels machines."
        )
    }

    static func packageOutputExists(_ path: String) -> MachineError {
        MachineError(
            .configuration,
            "The box file you're attempting to save already exists: \(path). Please remove this file or specify a different name with --output."
        )
    }

    static func packageNotCreated(_ machine: String) -> MachineError {
        MachineError(
            .configuration,
            "The machine '\(machine)' has not been created, so there is nothing to package. Run `boxer up \(machine)` first.")
    }

    static func packageInputMissing(_ path: String, option: String) -> MachineError {
        MachineError(.configuration, "The file given to \(option) does not exist: \(path)")
    }

    public static func packageFailed(_ output: String, _ reason: String) -> MachineError {
        MachineError(.io, "boxer could not write the box \(output): \(reason)")
    }
}
