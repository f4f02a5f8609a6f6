import BoxerSupport
import Foundation
import Machines
import Providers

/// The installer's part of an ISO build, with the guest's QEMU running: wait `boot_wait`, type
/// the boot command over QMP (no VNC), wait for the installer to reboot (QEMU was started with
/// `-action reboot=shutdown,shutdown=pause`, so its reboot or power-off pauses the machine
/// instead of booting the ISO again), then eject the ISO, put the disk first in the boot order,
/// let reboots be reboots again and start the installed system in the same machine.
struct InstallerRun {
    let install: BoxTemplate.Install
    let command: BootCommand
    let qmp: QMPClient
    let console: String
    let http: InstallerHTTP
    let log: Output

    /// QEMU options that make the installer's reboot a pause (set back before the first boot).
    static let pauseOnReboot = ["-action", "reboot=shutdown,shutdown=pause"]

    func run(pid: pid_t) async throws(BuildError) {
        if let text = install.bootWaitFor {
            log.say("Waiting for \"\(text)\" on the console (boot_wait_for)")
            try await waitForConsole(text, pid: pid)
        }
        log.say("Waiting \(Self.format(install.bootWait)) (boot_wait), then typing the boot command")
        try await pause(install.bootWait, pid: pid)
        try await type()
        log.say("Waiting for the installer to finish and reboot (install_timeout \(Self.format(install.installTimeout)))")
        try await waitForInstallerEnd(pid: pid)
        log.say("The installer is done: ejecting the ISO and booting the installed system from its disk")
        try await bootInstalledSystem()
    }

    /// Each action in turn, `boot_key_interval` after each key.
    func type() async throws(BuildError) {
        let keys = command.actions.filter { if case .press = $0 { true } else { false } }.count
        log.trace("boot command: \(command.actions.count) actions, \(keys) keys")
        for action in command.actions {
            try BuildError.checkCancellation("the boot command was typed")
            switch action {
            case .wait(let seconds):
                try? await Task.sleep(for: .seconds(seconds))
            case .press(let keys):
                try await execute("send-key", ["keys": keys.map { ["type": "qcode", "data": $0] }])
                try? await Task.sleep(for: .seconds(install.bootKeyInterval))
            case .hold(let key), .release(let key):
                let down: Bool = if case .hold = action { true } else { false }
                let data: [String: any Sendable] = ["down": down, "key": ["type": "qcode", "data": key]]
                let event: [String: any Sendable] = ["type": "key", "data": data]
                try await execute("input-send-event", ["events": [event]])
                try? await Task.sleep(for: .seconds(install.bootKeyInterval))
            }
        }
    }

    /// Until QEMU says the guest shut down (its reboot, paused), with the last console lines and
    /// what the installer asked the HTTP server when it does not within `install_timeout`.
    func waitForInstallerEnd(pid: pid_t) async throws(BuildError) {
        let deadline = Date().addingTimeInterval(install.installTimeout)
        while Date() < deadline {
            try BuildError.checkCancellation("the installer finished")
            guard kill(pid, 0) == 0 else {
                throw BuildError.installerQEMUExited(lastLines: Customizer.tail(console, lines: 20))
            }
            if let status = try? await execute("query-status", [:]) as? [String: Any], status["status"] as? String == "shutdown" {
                return
            }
            try? await Task.sleep(for: .seconds(1))
        }
        throw BuildError.installerNeverRebooted(
            after: Self.format(install.installTimeout), lastLines: Customizer.tail(console, lines: 20), requests: http.requests())
    }

    /// Eject, boot order, reboot action, reset, run: the ISO cannot boot again.
    func bootInstalledSystem() async throws(BuildError) {
        try await execute("eject", ["id": "installer-cd", "force": true])
        try await execute("qom-set", ["path": "/machine/peripheral/installer-cd", "property": "bootindex", "value": 9])
        try await execute("qom-set", ["path": "/machine/peripheral/primary-disk", "property": "bootindex", "value": 0])
        try await execute("set-action", ["reboot": "reset", "shutdown": "poweroff"])
        try await execute("system_reset", [:])
        // The reset is done by QEMU's main loop: `cont` is refused until it is.
        for _ in 0..<50 {
            if let status = try? await execute("query-status", [:]) as? [String: Any], status["status"] as? String != "shutdown" { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        try await execute("cont", [:])
    }

    /// Until the serial console shows `text`, within `install_timeout`.
    func waitForConsole(_ text: String, pid: pid_t) async throws(BuildError) {
        let deadline = Date().addingTimeInterval(install.installTimeout)
        while Date() < deadline {
            try BuildError.checkCancellation("the boot menu appeared")
            guard kill(pid, 0) == 0 else { throw BuildError.installerQEMUExited(lastLines: Customizer.tail(console, lines: 20)) }
            if let data = FileManager.default.contents(atPath: console), String(decoding: data, as: UTF8.self).contains(text) { return }
            try? await Task.sleep(for: .milliseconds(250))
        }
        throw BuildError.bootMenuNeverShown(
            text, after: Self.format(install.installTimeout), lastLines: Customizer.tail(console, lines: 20))
    }

    /// Sleeps, failing early when QEMU is gone.
    func pause(_ seconds: Double, pid: pid_t) async throws(BuildError) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            try BuildError.checkCancellation("boot_wait ended")
            guard kill(pid, 0) == 0 else { throw BuildError.installerQEMUExited(lastLines: Customizer.tail(console, lines: 20)) }
            try? await Task.sleep(for: .seconds(min(0.25, max(0, deadline.timeIntervalSinceNow))))
        }
    }

    @discardableResult
    func execute(_ command: String, _ arguments: [String: any Sendable]) async throws(BuildError) -> Any? {
        let qmp = self.qmp
        let result = await onDedicatedThread { () throws(MachineError) -> SendableAny in
            SendableAny(try qmp.execute(command, arguments: arguments))
        }
        switch result {
        case .success(let value): return value.value
        case .failure(let error): throw BuildError.installerQMPFailed(command, error.message)
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds >= 120 ? "\(Int(seconds / 60)) min" : seconds < 1 ? "\(Int(seconds * 1000)) ms" : "\(Int(seconds)) s"
    }
}

/// A QMP reply carried across threads (JSON values: immutable once parsed).
struct SendableAny: @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }
}
