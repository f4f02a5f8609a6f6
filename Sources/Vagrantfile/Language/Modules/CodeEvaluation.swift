/// `eval(text)` and `eval(text, binding)`: how projects read a companion file into the current
/// place, most often `eval(File.read("Vagrantfile.local"))` inside the configure block so that
/// the file sees `config`. The text is parsed as Ruby and run where `eval` is called (or where
/// `binding` was taken): it reads and assigns that place's local variables, and the variables it
/// introduces stay its own, as in Ruby. `instance_eval`, `class_eval` and friends stay refused.
enum CodeEvaluation {
    /// How deep evals may nest (an eval of text that evals itself is a loop, not a program).
    static let depthLimit = 8

    static func eval(_ arguments: Arguments, interpreter: Interpreter, scope: Scope, at location: SourceLocation) throws -> Value {
        let args = arguments.positional
        guard case .string(let text)? = args.first else {
            throw interpreter.error(
                "no implicit conversion of \((args.first ?? .null).typeName) into String", at: location, className: "TypeError")
        }
        var place = scope
        if args.count > 1 {
            switch args[1] {
            case .object(let binding as BindingObject): place = binding.scope
            case .null: break
            default:
                throw interpreter.error("wrong argument type \(args[1].typeName) (expected binding)", at: location, className: "TypeError")
            }
        }
        // Ruby names the text "(eval at FILE:LINE)" unless the caller names it.
        var file = "(eval at \(location.file):\(location.line))"
        if args.count > 2, case .string(let name) = args[2] { file = name }
        let host = interpreter.host
        guard host.evalDepth < depthLimit else {
            throw interpreter.error("eval nested more than \(depthLimit) deep", at: location, className: "SystemStackError")
        }
        host.evalDepth += 1
        defer { host.evalDepth -= 1 }
        let program = try Parser.parse(text, file: file)
        let own = Scope(parent: place)
        interpreter.capturedScopes.append(own)
        return try interpreter.evaluate(program, scope: own, selfValue: .null)
    }
}

/// What `binding` answers: the place it was taken, for `eval(text, binding)`.
final class BindingObject: RubyObject {
    let scope: Scope

    init(scope: Scope) { self.scope = scope }

    var typeName: String { "Binding" }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "local_variable_get":
            guard let variable = arguments.positional.first?.text else { break }
            if let value = scope.lookup(variable) { return value }
            throw interpreter.error("local variable '\(variable)' is not defined for \(inspect)", at: location, className: "NameError")
        case "local_variable_defined?":
            guard let variable = arguments.positional.first?.text else { break }
            return .bool(scope.has(variable))
        case "eval":
            var forwarded = arguments
            forwarded.positional = Array(arguments.positional.prefix(1)) + [.object(self)] + arguments.positional.dropFirst()
            return try CodeEvaluation.eval(forwarded, interpreter: interpreter, scope: scope, at: location)
        case "inspect", "to_s":
            return .string(inspect)
        default:
            break
        }
        throw interpreter.error("undefined method '\(name)' for an instance of Binding", at: location, className: "NoMethodError")
    }

    var inspect: String { "#<Binding>" }
}
