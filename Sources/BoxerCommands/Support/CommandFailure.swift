import ArgumentParser
import BoxerSupport

/// How an error ends the command: the exit status, and what is said. Every module's error
/// adopts `BoxerError`; ArgumentParser's own (help, version, a malformed command line) keep
/// its text, with status 2 for a command line boxer cannot parse.
struct CommandFailure {
    let status: ExitStatus
    /// `error-exit`'s kind for `--machine-readable`; nil for help and version, which are no failure.
    let kindName: String?
    /// The message alone, for `error-exit`.
    let message: String
    /// What the terminal shows: `Error: message`, with the usage for a malformed command line.
    let terminalText: String

    init(_ error: any Error) {
        if let error = error as? any BoxerError {
            status = error.exitStatus
            kindName = error.kindName
            message = error.description
            terminalText = "Error: " + error.description
            return
        }
        let code = Boxer.exitCode(for: error)
        message = Boxer.message(for: error)
        // As ArgumentParser prints it (help, and usage errors with the usage).
        terminalText = Boxer.fullMessage(for: error)
        if code == .success {
            status = .success
            kindName = nil
        } else if code == .validationFailure {
            status = .usage
            kindName = "UsageError"
        } else {
            status = ExitStatus(rawValue: code.rawValue)
            kindName = error is ExitCode ? "ExitCode" : String(describing: type(of: error))
        }
    }

    /// Says the failure on `output` (help and version as text, failures as errors, and for
    /// scripts an `error-exit` record as Vagrant prints it) and returns the exit status.
    func report(on output: Output) -> ExitStatus {
        guard let kindName else {
            if !terminalText.isEmpty { output.text(terminalText) }
            return status
        }
        // A command that has said why it ends (`ssh` passing on the command's status) throws
        // a bare exit code.
        guard !message.isEmpty else { return status }
        if output.isMachineReadable {
            // Vagrant's pair: the message as a `ui,error`, then `error-exit` with the kind.
            output.error(message)
            output.record("error-exit", kindName, message)
        } else {
            output.error(terminalText)
        }
        return status
    }
}

extension String {
    /// The string without one trailing `suffix` (text printed whole, whose own last newline the
    /// output adds back).
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) && !suffix.isEmpty ? String(dropLast(suffix.count)) : self
    }
}
