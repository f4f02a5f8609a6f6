import BoxerSupport

/// The messages of an ISO build's install step.
extension BuildError {
    static func bootCommandInvalid(_ template: String, _ problem: String) -> BuildError {
        BuildError(.template, "\(template): install.boot_command: \(problem)")
    }

    static func httpDirectoryMissing(_ folder: String, template: String) -> BuildError {
        BuildError(.template, "\(template): install.http_directory: there is no folder \(folder) (it is relative to the template)")
    }

    /// A file the boot command names on boxer's HTTP server that nothing serves.
    static func answerFileNotServed(_ path: String, template: String, directory: String?) -> BuildError {
        let folderMissing = directory.map { "http_directory (\($0)) has no \(String(path.dropFirst())) and " } ?? ""
        return BuildError(
            .template,
            "\(template): install.boot_command points the installer at \(path) on boxer's HTTP server, but \(folderMissing)http_content has no \"\(path)\": the installer would wait for an answer file that never comes. Add the file, or fix the path in boot_command."
        )
    }

    static func installerQEMUExited(lastLines: String) -> BuildError {
        BuildError(.guest, "QEMU exited while the installer ran. The console's last lines:\n\(lastLines)")
    }

    /// `requests`: what the guest asked of the HTTP server (`<status> <method> <path>`).
    static func installerNeverRebooted(after: String, lastLines: String, requests: [String]) -> BuildError {
        let asked =
            requests.isEmpty
            ? "The installer asked nothing of boxer's HTTP server: did the boot command reach it (boot_wait long enough, the right keys for this ISO's menu)?"
            : "What it asked boxer's HTTP server:\n" + requests.suffix(10).joined(separator: "\n")
        return BuildError(
            .guest,
            "The installer did not reboot or power off within \(after) (install.install_timeout). \(asked)\nThe console's last lines:\n\(lastLines)"
        )
    }

    static func bootMenuNeverShown(_ text: String, after: String, lastLines: String) -> BuildError {
        BuildError(
            .guest,
            "The console never showed \"\(text)\" (install.boot_wait_for) within \(after): does this ISO print its menu on the serial console? Leave boot_wait_for out and set boot_wait instead. The console's last lines:\n\(lastLines)"
        )
    }

    static func installerQMPFailed(_ command: String, _ reason: String) -> BuildError {
        BuildError(.tool, "QEMU refused \(command) during the install: \(reason)")
    }

    static func notAnISO(_ path: String) -> BuildError {
        BuildError(
            .template, "\(path) is not an ISO 9660 image (no CD001 at its volume descriptor); source.kind: iso needs an installer ISO")
    }
}
