import BoxerSupport
import Foundation

/// What reading a Vagrantfile may do to the host. A Vagrantfile is its user's program: under
/// Vagrant its shell commands run, its files are written and its `exit` ends the command, so
/// boxer does the same when it reads a project for a command.
public enum HostEffects: Sendable, Equatable {
    /// As under Vagrant: shell commands run, files are written, `puts` prints, `exit` ends the command.
    case performed
    /// Generated input (fuzzing, mutation tests): every shell command, file write, sleep and exit is
    /// refused with an error that names the line, so such input never acts on the host.
    case refused
}

/// `$?`: how the last shell command ended.
final class ProcessStatusObject: RubyObject {
    let pid: Int32
    /// The exit status, nil when a signal ended the command.
    let exitStatus: Int32?
    let signal: Int32?

    init(pid: Int32, exitStatus: Int32?, signal: Int32?) {
        self.pid = pid
        self.exitStatus = exitStatus
        self.signal = signal
    }

    var typeName: String { "Process::Status" }
    var succeeded: Bool { exitStatus == 0 }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "success?": return signal == nil ? .bool(succeeded) : .null
        case "exitstatus": return exitStatus.map { .int(Int($0)) } ?? .null
        case "to_i": return .int(Int(exitStatus.map { $0 << 8 } ?? signal ?? 0))
        case "pid": return .int(Int(pid))
        case "exited?": return .bool(exitStatus != nil)
        case "signaled?": return .bool(signal != nil)
        case "termsig": return signal.map { .int(Int($0)) } ?? .null
        case "to_s", "inspect":
            let how = exitStatus.map { "exit \($0)" } ?? "SIG \(signal ?? 0) (signal \(signal ?? 0))"
            return .string(name == "inspect" ? "#<Process::Status: pid \(pid) \(how)>" : "pid \(pid) \(how)")
        case "==": return .bool(arguments.positional.first.map { $0.equals(.int(Int(exitStatus ?? -1))) } ?? false)
        default:
            throw interpreter.error(
                "undefined method '\(name)' for an instance of Process::Status", at: location, className: "NoMethodError")
        }
    }
}

/// Runs host commands for a Vagrantfile, as Ruby does: `` `cmd` `` and `%x()` through /bin/sh,
/// `system`, `IO.popen`, `Open3`. They run in boxer's own folder (Vagrant does not change
/// folder either) with the environment the file sees, `ENV[...] =` included, and set `$?`.
enum HostCommands {
    struct Result {
        var output: String
        var error: String
        var status: ProcessStatusObject
    }

    /// How much of a command's output is kept (the rest is read and dropped).
    static let captureLimit = 16 << 20

    /// `what` names the construct in the refusal, e.g. "`uname -m`" or "system".
    static func checkAllowed(_ what: String, interpreter: Interpreter, at location: SourceLocation) throws {
        if interpreter.host.effects == .refused { throw VagrantfileError.hostEffectRefused(what, at: location) }
    }

    /// Runs `command` (a shell line when `arguments` is empty, else a program and its arguments),
    /// capturing stdout and/or stderr; what is not captured goes to boxer's own. Returns nil when
    /// the program could not be started (Ruby's `system` answers nil then).
    static func run(
        _ command: String, arguments: [String] = [], captureOutput: Bool, captureError: Bool, environment extra: [String: String] = [:],
        interpreter: Interpreter, at location: SourceLocation
    ) throws -> Result? {
        try checkAllowed(arguments.isEmpty ? "`\(command)`" : command, interpreter: interpreter, at: location)
        let process = Process()
        if arguments.isEmpty {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
        } else {
            guard let path = Self.find(command, environment: interpreter.host.processEnvironment(interpreter)) else { return nil }
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.environment = interpreter.host.processEnvironment(interpreter).merging(extra) { $1 }
        process.standardInput = FileHandle.nullDevice
        let outputPipe = captureOutput ? Pipe() : nil
        let errorPipe = captureError ? Pipe() : nil
        process.standardOutput = outputPipe ?? FileHandle.standardOutput
        process.standardError = errorPipe ?? FileHandle.standardError
        do {
            try process.run()
        } catch {
            return nil
        }
        // Both pipes are drained at once, so a command that fills one cannot block on it.
        let errorText = Locked("")
        let group = DispatchGroup()
        if let errorPipe {
            group.enter()
            DispatchQueue.global().async {
                errorText.set(Self.drain(errorPipe))
                group.leave()
            }
        }
        let output = outputPipe.map(Self.drain) ?? ""
        group.wait()
        process.waitUntilExit()
        let signalled = process.terminationReason == .uncaughtSignal
        let status = ProcessStatusObject(
            pid: process.processIdentifier, exitStatus: signalled ? nil : process.terminationStatus,
            signal: signalled ? process.terminationStatus : nil)
        interpreter.host.globals["$?"] = .object(status)
        return Result(output: output, error: errorText.current, status: status)
    }

    private static func drain(_ pipe: Pipe) -> String {
        var kept = Data()
        let handle = pipe.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            if kept.count < captureLimit { kept.append(chunk.prefix(captureLimit - kept.count)) }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    static func find(_ program: String, environment: [String: String]) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for folder in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `system(...)`: `[env,] command [, args...]` with output to boxer's own; true, false, or nil
    /// when the command could not be run.
    static func system(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        var values = arguments.positional
        var environment: [String: String] = [:]
        if case .hash(let box)? = values.first {
            for pair in box.pairs { environment[pair.key.text] = pair.value.text }
            values.removeFirst()
        }
        guard let first = values.first else {
            throw interpreter.error("wrong number of arguments (given 0, expected 1+)", at: location, className: "ArgumentError")
        }
        let rest = try values.dropFirst().map { try interpreter.stringify($0, at: location) }
        let command = try interpreter.stringify(first, at: location)
        guard
            let result = try run(
                command, arguments: rest, captureOutput: false, captureError: false, environment: environment, interpreter: interpreter,
                at: location)
        else { return .null }
        return .bool(result.status.succeeded)
    }
}
