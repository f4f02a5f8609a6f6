import Foundation

/// Vagrant's own checks of a machine's `config.vm` and `config.ssh` (vagrant 2.3.4's words).
enum MachineChecks {
    static func check(name: String, draft: MachineDraft, collector: ConfigurationCollector, at location: SourceLocation) throws {
        // "A box must be specified." is checked once every machine is read (ConfigurationCollector.checkBoxes).
        if case .string("")? = draft.vm["box"] {
            collector.problem("vm", "Box value for guest '\(name)' is an empty string.", at: location)
        }
        if case .string(let hostname)? = draft.vm["hostname"], !isValidHostname(hostname) {
            collector.problem(
                "vm",
                "The hostname set for the VM '\(name)' should only contain letters, numbers, hyphens or dots. It cannot start with a hyphen or dot.",
                at: location)
        }
        try checkBoxVersion(draft.vm, collector: collector, at: draft.location(of: "vm", "box_version", else: location))
        checkSSH(draft, collector: collector, at: location)
    }

    /// Each comma-separated part of `box_version` must be a RubyGems requirement. With a box set,
    /// Vagrant looks the box up while it starts, so every command fails; without one, validation does.
    static func checkBoxVersion(_ vm: [String: ConfigValue], collector: ConfigurationCollector, at location: SourceLocation) throws {
        guard let written = vm["box_version"], ProvisionerChecks.isSet(written) else { return }
        // Ruby's split(","): trailing empty parts are dropped, leading and inner ones kept.
        var parts = written.description.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        while parts.last?.isEmpty == true { parts.removeLast() }
        for part in parts where !isGemRequirement(part) {
            if let box = vm["box"], ProvisionerChecks.isSet(box) {
                throw VagrantfileError.boxVersionInvalid(part.trimmingCharacters(in: .whitespacesAndNewlines), at: location)
            }
            collector.problem("vm", "Invalid box version constraints: \(part)", at: location)
        }
    }

    /// `Gem::Requirement.new`'s pattern: an optional operator, then a version of digits with
    /// dot-separated alphanumeric parts and an optional `-pre.release`.
    static func isGemRequirement(_ text: String) -> Bool {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        for op in [">=", "<=", "!=", "~>", "=", ">", "<"] where rest.hasPrefix(op) {
            rest = rest.dropFirst(op.count).drop(while: \.isWhitespace)
            break
        }
        func alphanumeric(_ character: Character) -> Bool { character.isASCII && (character.isLetter || character.isNumber) }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return false }
        rest = rest.dropFirst(digits.count)
        while rest.first == "." {
            let segment = rest.dropFirst().prefix(while: alphanumeric)
            guard !segment.isEmpty else { return false }
            rest = rest.dropFirst(1 + segment.count)
        }
        if rest.first == "-" {
            repeat {
                let segment = rest.dropFirst().prefix { alphanumeric($0) || $0 == "-" }
                guard !segment.isEmpty else { return false }
                rest = rest.dropFirst(1 + segment.count)
            } while rest.first == "."
        }
        return rest.isEmpty
    }

    /// `config.ssh`'s file settings and connect timeout, as SSHConnectConfig validates them.
    static func checkSSH(_ draft: MachineDraft, collector: ConfigurationCollector, at machine: SourceLocation) {
        let paths = HostPaths(root: collector.root)
        let ssh = draft.ssh
        if let config = ssh["config"], ProvisionerChecks.isSet(config), let path = config.string, !paths.isFile(path) {
            collector.problem("SSH", "`config` file must exist: \(path)", at: draft.location(of: "ssh", "config", else: machine))
        }
        guard let timeout = ssh["connect_timeout"] else { return }
        let location = draft.location(of: "ssh", "connect_timeout", else: machine)
        // Ruby's to_i, where the value has one (nil's is 0).
        let seconds: Int
        switch timeout {
        case .int, .double, .string, .null: seconds = MachineBuilder.rubyInteger(timeout)
        default:
            collector.problem(
                "SSH",
                "The `connect_timeout` key only accepts values of Integer type. Received `\(ProvisionerChecks.rubyClass(timeout))` type which cannot be converted to an Integer type.",
                at: location)
            return
        }
        if seconds < 1 {
            collector.problem("SSH", "The `connect_timeout` key only accepts values greater than 1 (received `\(seconds)`)", at: location)
        }
    }

    /// Vagrant's /^\w+:/ for a guest path: word characters, then a colon.
    static func hasDrivePrefix(_ path: String) -> Bool {
        let word = path.unicodeScalars.prefix {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
        return !word.isEmpty && path.unicodeScalars.dropFirst(word.count).first == ":"
    }

    /// Vagrant's /^[a-z0-9][-.a-z0-9]*$/i, without a regular expression.
    static func isValidHostname(_ hostname: String) -> Bool {
        func letterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        guard let first = hostname.unicodeScalars.first, letterOrDigit(first) else { return false }
        return hostname.unicodeScalars.allSatisfy { letterOrDigit($0) || $0 == "-" || $0 == "." }
    }
}
