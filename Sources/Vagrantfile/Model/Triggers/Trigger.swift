import Foundation

/// One `config.trigger.before`/`after` as Vagrant 2.3.4 finalizes it (VagrantConfigTrigger):
/// what it fires on and what it does, in the order the Vagrantfile gave them.
public struct Trigger: Sendable, Equatable, Codable {
    public enum Stage: String, Sendable, Codable { case before, after }
    /// `type:`: `:action` (the default) fires around a machine action (`up`, `halt`, ...);
    /// `:command` around a whole boxer command and `:hook` around Vagrant's action hooks, both
    /// only with `VAGRANT_EXPERIMENTAL=typed_triggers`, as in Vagrant.
    public enum Kind: String, Sendable, Codable { case action, command, hook }

    /// A machine name `only_on` lets through.
    public enum GuestPattern: Sendable, Equatable, Codable {
        /// Ruby's `String#match(guest)`: the guest's name, as a pattern, found in the text, so
        /// `"web-1"` also admits a machine named `web` (Vagrant's behaviour, kept).
        case text(String)
        case regex(pattern: String, options: String)
    }

    public var stage: Stage
    /// The command or action name as written (`"up"`, `"all"`, a class name for hooks).
    public var command: String
    public var kind: Kind
    public var name: String?
    public var info: String?
    public var warn: String?
    /// `on_error: :continue`; the default `:halt` stops the command.
    public var continuesOnError: Bool
    /// Actions an `:all` trigger skips.
    public var ignore: [String]
    /// nil: every machine.
    public var onlyOn: [GuestPattern]?
    /// `run`: a host command, as shell provisioner settings (`inline`, `path`, `args`, `env`).
    public var run: [String: ConfigValue]?
    /// `run_remote`: a script run in the guest, as shell provisioner settings.
    public var runRemote: [String: ConfigValue]?
    /// Exit statuses of `run` that count as success (default `[0]`).
    public var exitCodes: [Int]
    /// `abort`: the exit status boxer stops with (`true` is 1).
    public var abort: Int?
    /// The trigger's `ruby` block, by its number in the environment's `RubyTriggerBlocks`.
    public var rubyBlock: Int?
    /// Where the trigger was written.
    public var location: SourceLocation

    /// Whether this trigger fires for `action` at `stage` on the machine `guest` (nil for
    /// command triggers, which belong to no machine), as Vagrant's `Trigger#find` and
    /// `filter_triggers` decide. `all`: an `:all` trigger counts (machine actions).
    public func fires(on action: String, stage: Stage, kind: Kind, guest: String?, all: Bool) -> Bool {
        guard self.stage == stage, self.kind == kind else { return false }
        let named = command == action || (all && command == "all" && !ignore.contains(action))
        guard named else { return false }
        guard let onlyOn else { return true }
        let guestName = guest ?? ""
        return onlyOn.contains { pattern in
            switch pattern {
            case .text(let text):
                // `"dbx".match("db")`: the name is the pattern; a name that is no valid pattern
                // matches nothing (Ruby would raise).
                let location = SourceLocation(file: "(trigger)", line: 0, column: 0)
                guard let regex = try? RegexBox(pattern: guestName, options: "", at: location) else { return false }
                return regex.firstMatch(in: text) != nil
            case .regex(let pattern, let options):
                let location = SourceLocation(file: "(trigger)", line: 0, column: 0)
                guard let regex = try? RegexBox(pattern: pattern, options: options, at: location) else { return false }
                return regex.firstMatch(in: guestName) != nil
            }
        }
    }

    /// `VAGRANT_EXPERIMENTAL` (or `BOXER_EXPERIMENTAL`) enables typed triggers: `1`, or a list
    /// naming `typed_triggers`.
    public static func typedTriggersEnabled(environment: [String: String]) -> Bool {
        guard let value = environment["BOXER_EXPERIMENTAL"] ?? environment["VAGRANT_EXPERIMENTAL"] else { return false }
        let features = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return features == ["1"] || features.contains("typed_triggers")
    }
}
