import BoxerSupport
import Foundation
import Machines
import Providers

/// What an ISO build adds to the customization: the installer's CD-ROM, HTTP server and
/// paused reboot before the session, its logs after a failure, its own shutdown command.
extension Customizer {
    /// Sets up `command` for the installer (nil for a cloud image).
    func installerRun(template: BoxTemplate, iso: String?, work: String, command: inout QEMUCommandLine) throws(BuildError)
        -> InstallerRun?
    {
        guard let iso, let install = template.install else { return nil }
        let http = InstallerHTTP(work: work)
        try http.prepare(install, template: template)
        let bootCommand: BootCommand
        do {
            bootCommand = try BootCommand.parse(
                install.bootCommand,
                variables: .init(httpIP: GuestFileServer.address, httpPort: GuestFileServer.port, name: template.name))
        } catch {
            throw BuildError.bootCommandInvalid(template.file, error.text)
        }
        command.cdrom = iso
        command.guestForwards.append(
            (GuestFileServer.address, GuestFileServer.port, GuestFileServer.command(root: http.root, requestLog: http.requestLog)))
        command.extraArguments += InstallerRun.pauseOnReboot
        log.detail("answer files served at http://\(GuestFileServer.address):\(GuestFileServer.port)/ from \(http.root)")
        return InstallerRun(
            install: install, command: bootCommand, qmp: QMPClient(socketPath: command.qmpSocket), console: command.consoleLog, http: http,
            log: log)
    }

    /// The template's `install.logs`, read in the guest, into the build log.
    func showInstallerLogs(_ install: BoxTemplate.Install, communicator: Communicator) async {
        for path in install.logs {
            let quoted = Communicator.quote(path)
            let shown = try? await communicator.capture(
                "if [ -d \(quoted) ]; then sudo sh -c 'tail -n 40 \(quoted)/*'; else sudo tail -n 80 \(quoted); fi")
            guard let shown, shown.succeeded else {
                log.warn("The installer's log \(path) could not be read from the guest.")
                continue
            }
            log.warn("The installer's log \(path) (last lines):\n\(shown.output)")
        }
    }

    /// `install.shutdown_command` when there is one, else the ACPI power button.
    func powerOff(template: BoxTemplate, communicator: Communicator, work: String) async throws(BuildError) {
        if let shutdown = template.install?.shutdownCommand {
            log.say("Powering off with shutdown_command")
            // The connection ends with the guest: its status says nothing.
            _ = try? await communicator.run("sudo sh -c \(Communicator.quote(shutdown))")
            return
        }
        // The ACPI power button: a clean shutdown, at once.
        let qmp = QMPClient(socketPath: work + "/qmp.sock")
        _ = await onDedicatedThread { () throws(MachineError) in _ = try qmp.execute("system_powerdown") }
    }
}
