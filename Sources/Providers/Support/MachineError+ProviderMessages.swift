import BoxStore
import BoxerSupport
import Machines

/// Every message the providers throw, in one place; each says what to do or names what failed.
extension MachineError {
    // MARK: - Any provider

    static let machineNotCreated = MachineError(.provider, "the machine is not created")
    static let machineNotRunning = MachineError(.provider, "the machine is not running")
    static let noBoxToMakeFrom = MachineError(.boxMissing, "the machine has no box to be made from")

    static func boxLacks(_ file: String, box: BoxMatch, provider: String) -> MachineError {
        MachineError(
            .boxMissing,
            "the box \(box.name) (\(box.provider), \(box.version)) has no \(file), which the \(provider) provider needs: is it a \(provider) box?"
        )
    }

    static func cannotLock(_ path: String) -> MachineError {
        MachineError(.io, "cannot lock \(path)")
    }

    static func cannotRead(_ path: String) -> MachineError {
        MachineError(.io, "cannot read \(path)")
    }

    static func cannotWrite(_ path: String) -> MachineError {
        MachineError(.io, "cannot write \(path)")
    }

    // MARK: - Hypervisor command-line tools (VBoxManage, vmrun, prlctl)

    static func toolTimedOut(_ tool: String, doing what: String, arguments: [String], timeout: Int) -> MachineError {
        MachineError(
            .provider,
            "\(tool) could not \(what): \(tool) \(arguments.joined(separator: " ")) did not finish within \(timeout) s and was stopped")
    }

    /// `said`: the tool's own words (its stderr, else its stdout).
    static func toolFailed(_ tool: String, doing what: String, arguments: [String], status: Int32, said: String) -> MachineError {
        MachineError(.provider, "\(tool) could not \(what) (\(tool) \(arguments.joined(separator: " ")) exited with \(status)): \(said)")
    }

    // MARK: - QEMU

    static let qemuImgMissing = MachineError(
        .toolMissing,
        "qemu-img is not installed; it makes the machines' disks. Debian: apt-get install qemu-utils; macOS: brew install qemu")

    static func noBoxImage(_ box: BoxMatch) -> MachineError {
        MachineError(
            .boxMissing,
            "the box \(box.name) (\(box.provider), \(box.version)) has no box.img; QEMU runs libvirt boxes, whose disk is box.img (qcow2)")
    }

    static func qemuStillRuns(pid: Int32, machine: String, folder: String) -> MachineError {
        MachineError(
            .untrustedState,
            "A QEMU (pid \(pid)) still runs the disk of machine '\(machine)' in \(folder), although its id file says the machine is not created. Nothing was changed. Stop that QEMU (kill \(pid)) or restore the id file, then run the command again."
        )
    }

    static func diskNotMade(from image: String, _ reason: String) -> MachineError {
        MachineError(.provider, "qemu-img could not make the machine's disk from \(image): \(reason)")
    }

    static func noUEFIFirmware(for architecture: String, package: String) -> MachineError {
        MachineError(.toolMissing, "no UEFI firmware for \(architecture) guests: \(package)")
    }

    static func cannotCopyUEFIVariables(_ template: String, _ reason: String) -> MachineError {
        MachineError(.io, "cannot copy the UEFI variables template \(template): \(reason)")
    }

    static func qemuMissing(_ binary: String, box: String, architecture: String, package: String) -> MachineError {
        MachineError(.toolMissing, "\(binary) is not installed, and the box \(box) is for \(architecture): \(package)")
    }

    static func notAQEMUID(_ id: String) -> MachineError {
        MachineError(.untrustedState, "the machine's id \(id) is not a QEMU machine id")
    }

    static func qemuCouldNotForward(_ message: String) -> MachineError {
        MachineError(
            .portInUse,
            "QEMU could not forward a port (\(message)): another program took it. Free it, pick another `host:` port or set `auto_correct: true`."
        )
    }

    static func qemuDidNotStart(_ message: String) -> MachineError {
        MachineError(.provider, "QEMU did not start: \(message)")
    }

    // MARK: - QMP, QEMU's control socket

    static let noQMPSocket = MachineError(.provider, "cannot create a socket for QMP")
    static let qmpCommandNotEncodable = MachineError(.provider, "cannot encode a QMP command")
    static let qmpClosed = MachineError(.provider, "QEMU's control socket closed or timed out")

    static func qmpPathTooLong(_ path: String) -> MachineError {
        MachineError(.provider, "the QMP socket path \(path) is too long")
    }

    static func qmpUnreachable(_ path: String, _ reason: String) -> MachineError {
        MachineError(.provider, "cannot reach QEMU's control socket \(path): \(reason)")
    }

    static func qmpNotSent(_ path: String) -> MachineError {
        MachineError(.provider, "cannot send to QEMU's control socket \(path)")
    }

    static func qemuRefused(_ description: String) -> MachineError {
        MachineError(.provider, "QEMU refused: \(description)")
    }

    // MARK: - VirtualBox

    static let vboxManageMissing = MachineError(
        .toolMissing,
        "VBoxManage is not installed, so VirtualBox machines cannot run here. Install VirtualBox (https://www.virtualbox.org/wiki/Downloads; Debian: the virtualbox package from contrib), or use --provider qemu."
    )

    static func clonedWithoutUUID(_ vmName: String) -> MachineError {
        MachineError(.provider, "VBoxManage cloned \(vmName) but showvminfo gives no UUID for it")
    }

    // MARK: - VMware

    static let vmrunMissing = MachineError(
        .toolMissing,
        "vmrun is not installed, so VMware machines cannot run here. Install VMware Workstation Pro (Linux, Windows) or Fusion (macOS: brew install --cask vmware-fusion), or use --provider qemu."
    )

    static func qemuImgFailed(_ what: String, _ said: String) -> MachineError {
        MachineError(.provider, "qemu-img could not \(what): \(said.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    static func qemuMonitorFailed(_ what: String, _ said: String) -> MachineError {
        MachineError(.provider, "QEMU could not \(what): \(said)")
    }

    static let vdiskmanagerMissing = MachineError(
        .toolMissing,
        "vmware-vdiskmanager is not installed, so the Vagrantfile's disks cannot be made for VMware. It comes with VMware Workstation Pro and Fusion (Fusion: /Applications/VMware Fusion.app/Contents/Library); put it on PATH."
    )

    static let prlDiskToolMissing = MachineError(
        .toolMissing,
        "prl_disk_tool is not installed, so the primary disk cannot be grown for Parallels. It comes with Parallels Desktop (/Applications/Parallels Desktop.app/Contents/MacOS); put it on PATH."
    )

    static func noVMX(_ box: BoxMatch, provider: String) -> MachineError {
        MachineError(
            .boxMissing,
            "the box \(box.name) (\(box.provider), \(box.version)) has no .vmx, which the \(provider) provider needs: is it a VMware box?")
    }

    static func noGuestAddress(_ machine: String, within timeout: Int) -> MachineError {
        MachineError(
            .bootTimeout,
            "\(machine) started, but VMware reported no guest address within \(timeout) s (vmrun getGuestIPAddress needs VMware Tools or open-vm-tools in the guest)"
        )
    }

    static func vmrunCouldNotPowerOff(_ machine: String, _ said: String) -> MachineError {
        MachineError(.provider, "vmrun could not power off \(machine): \(said)")
    }

    // MARK: - Parallels

    static let prlctlMissing = MachineError(
        .toolMissing,
        "prlctl is not installed, so Parallels machines cannot run here. Parallels Desktop runs on macOS only (Pro or Business edition for the command line: https://www.parallels.com/products/desktop/), or use --provider qemu."
    )

    static func clonedButNotListed(_ vmName: String) -> MachineError {
        MachineError(.provider, "prlctl cloned \(vmName) but does not list it")
    }

    static func boxNotRegistered(_ pvm: String, said: String) -> MachineError {
        let hint =
            said.contains("already registered") ? " (a VM from an earlier boxer home uses it: unregister it with `prlctl unregister`)" : ""
        return MachineError(.provider, "prlctl could not register the box \(pvm): \(said)\(hint)")
    }

    static func registeredButNotListed(_ pvm: String) -> MachineError {
        MachineError(.provider, "prlctl registered \(pvm) but does not list a new VM")
    }

    static func noSnapshotID(_ output: String) -> MachineError {
        MachineError(.provider, "prlctl snapshot printed no snapshot id: \(output)")
    }

    static func noJSONList(_ output: String) -> MachineError {
        MachineError(.provider, "prlctl list printed no JSON list: \(output.prefix(200))")
    }

    static func noJSONInfo(_ output: String) -> MachineError {
        MachineError(.provider, "prlctl list --info printed no JSON: \(output.prefix(200))")
    }

    // MARK: - Provider plugins

    static func pluginMisnamed(_ executable: String, callsItself: String, fileSays name: String) -> MachineError {
        MachineError(.toolMissing, "the provider plugin \(executable) calls itself '\(callsItself)', but its file name says '\(name)'")
    }

    static func pluginCapabilitiesUnreadable(_ executable: String, _ error: any Error) -> MachineError {
        MachineError(.toolMissing, "cannot read the capabilities of \(executable): \(error)")
    }

    static func pluginWithoutBoxFormats(_ executable: String) -> MachineError {
        MachineError(.toolMissing, "the provider plugin \(executable) names no box formats in its hello")
    }

    static func pluginGaveNoReply(_ executable: String, to operation: String) -> MachineError {
        MachineError(.provider, "the provider plugin \(executable) gave no reply to \(operation)")
    }

    /// The plugin's own error reply, its kind kept.
    static func pluginFailed(_ name: String, kind: Kind, message: String?) -> MachineError {
        MachineError(kind, "\(name) (plugin): \(message ?? "failed without a message")")
    }

    static func pluginValueUnreadable(_ executable: String, operation: String, _ error: any Error) -> MachineError {
        MachineError(.provider, "the provider plugin \(executable) answered \(operation) with a value boxer cannot read: \(error)")
    }

    static func pluginCreatedNoID(_ executable: String) -> MachineError {
        MachineError(.provider, "the provider plugin \(executable) created a machine without an id")
    }

    /// A request to a provider served as a plugin that lacks a part its operation needs.
    static func requestLacks(_ part: String, operation: String) -> MachineError {
        MachineError(.configuration, "\(operation) needs \(part)")
    }

    static func resultNotEncodable(_ error: any Error) -> MachineError {
        MachineError(.provider, "cannot encode the result: \(error)")
    }

    // MARK: - Disks

    static func diskSetting(machine: String, _ problem: String) -> MachineError {
        MachineError(.configuration, "config.vm.disk of machine '\(machine)': \(problem).")
    }

    static func diskTooSmall(machine: String, requested: Int64, box: Int64) -> MachineError {
        MachineError(
            .configuration,
            "config.vm.disk of machine '\(machine)': the primary disk's size (\(requested >> 20) MiB) is below the box's (\(box >> 20) MiB); disks can only grow."
        )
    }

    static func diskNotGrown(_ path: String, _ reason: String) -> MachineError {
        MachineError(.io, "Cannot make or grow the disk \(path): \(reason)")
    }

    static func bootstrapScriptMissing(_ file: String, machine: String) -> MachineError {
        MachineError(
            .configuration,
            "The bootstrap_script of machine '\(machine)' is not a file: \(file). Point qemu.bootstrap_script at the script the vm-bootstrap agent should run, relative to the Vagrantfile."
        )
    }

    // MARK: - libvirt

    static func libvirtMissing(_ reason: String) -> MachineError {
        MachineError(
            .toolMissing,
            "The libvirt provider needs libvirt's client library, which could not be loaded (\(reason)). Debian: apt-get install libvirt0; macOS: brew install libvirt"
        )
    }

    static func libvirtCannotConnect(_ uri: String, _ said: String) -> MachineError {
        MachineError(
            .provider,
            "Cannot connect to libvirt at \(uri): \(said). Check that libvirtd runs there and that `virsh -c '\(uri)' uri` works for this user (for qemu+ssh://, that `ssh` to the host logs in without a password)."
        )
    }

    static func libvirtFailed(_ what: String, uri: String, said: String) -> MachineError {
        MachineError(.provider, "libvirt at \(uri) could not \(what): \(said)")
    }

    static func interruptedUpload(_ volume: String) -> MachineError {
        MachineError(.cancelled, "The upload of the box into volume '\(volume)' was interrupted; the partial volume was removed.")
    }

    static func interruptedDownload(_ volume: String) -> MachineError {
        MachineError(.cancelled, "The download of volume '\(volume)' was interrupted; the partial file was removed.")
    }

    static func libvirtNoDisk(_ volume: String, machine: String, uri: String) -> MachineError {
        MachineError(
            .provider,
            "The disk of machine '\(machine)' (volume '\(volume)') is not in its pool on \(uri). Run `boxer destroy \(machine)` and `boxer up` to make it again."
        )
    }

    static func libvirtRemoteShare(machine: String, hostPath: String, host: String) -> MachineError {
        MachineError(
            .configuration,
            "Machine '\(machine)' runs on the libvirt host \(host), which cannot share \(hostPath) from this computer over 9p. Give that synced folder type: \"rsync\"."
        )
    }

    static func badLibvirtURI(_ uri: String, machine: String, problem: String) -> MachineError {
        MachineError(.configuration, "The libvirt host of machine '\(machine)' (\(uri)) cannot be used: \(problem).")
    }

    static func noLibvirtHostReached(_ failures: [String]) -> MachineError {
        MachineError(
            .provider,
            "None of the libvirt hosts to place the machine on could be reached ($BOXER_LIBVIRT_HOSTS or libvirt.hosts):\n  "
                + failures.joined(separator: "\n  "))
    }

    static func sshTunnelFailed(_ destination: String, said: String) -> MachineError {
        MachineError(
            .provider,
            "Cannot carry the environment network to \(destination) over SSH: \(said.isEmpty ? "ssh failed" : said). Check that `ssh \(destination)` logs in without a password and that the host's sshd allows TCP forwarding."
        )
    }
}
