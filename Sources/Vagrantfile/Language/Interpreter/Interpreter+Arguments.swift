import BoxerSupport
import Foundation

/// Evaluating arguments, and assignment to every kind of target.
extension Interpreter {
    func evaluateArguments(_ nodes: [Node.Argument], scope: Scope, selfValue: Value, at location: SourceLocation) throws -> Arguments {
        var arguments = Arguments()
        for node in nodes {
            switch node {
            case .positional(let value):
                arguments.positional.append(try evaluate(value, scope: scope, selfValue: selfValue))
            case .splat(let value):
                arguments.positional += try Builtins.elements(
                    of: try evaluate(value, scope: scope, selfValue: selfValue), interpreter: self, at: location)
            case .pair(let key, let value):
                if arguments.keywords == nil { arguments.keywords = HashBox() }
                arguments.keywords?[try evaluate(key, scope: scope, selfValue: selfValue)] = try evaluate(
                    value, scope: scope, selfValue: selfValue)
            case .doubleSplat(let value):
                guard case .hash(let other) = try evaluate(value, scope: scope, selfValue: selfValue) else {
                    throw error("** needs a hash", at: location)
                }
                if arguments.keywords == nil { arguments.keywords = HashBox() }
                for pair in other.pairs { arguments.keywords?[pair.key] = pair.value }
            case .blockPass(let value):
                let passed = try evaluate(value, scope: scope, selfValue: selfValue)
                switch passed {
                case .proc(let closure): arguments.block = closure
                case .symbol(let name):
                    // `&:to_s`
                    arguments.block = symbolClosure(name, at: location)
                case .null: break
                default: throw error("& needs a block or a symbol", at: location)
                }
            }
        }
        return arguments
    }

    func symbolClosure(_ name: String, at location: SourceLocation) -> Closure {
        let parameter = Parameter(name: "__item", kind: .required)
        let body = [
            Node(.call(receiver: Node(.name("__item"), at: location), name: name, arguments: [], block: nil, safe: false), at: location)
        ]
        return Closure(
            BlockLiteral(parameters: [parameter], body: body, location: location), scope: Scope(), selfValue: .null, isLambda: false,
            interpreter: self)
    }
}

extension Interpreter {
    func assignableTarget(_ node: Node) throws -> Node.Target {
        switch node.kind {
        case .name(let name): return .local(name)
        case .global(let name): return .global(name)
        case .instanceVariable(let name): return .instanceVariable(name)
        default: throw error("not assignable", at: node.location)
        }
    }

    /// Where a string that is changed in place lives: a variable, a hash or array element, or the
    /// string a chained `s << a << b` appended to.
    func stringHome(_ node: Node) -> Node.Target? {
        switch node.kind {
        case .name, .global, .instanceVariable: return try? assignableTarget(node)
        case .index(let receiver, let arguments): return .index(receiver, arguments)
        case .call(let receiver?, let name, _, nil, _) where StringMutation.methods.contains(name): return stringHome(receiver)
        default: return nil
        }
    }

    /// `s << "x"`, `s.gsub!(...)`, `s.strip!`: strings are values here, so the changed string is
    /// written back where the receiver came from. The bang methods answer nil when nothing changed.
    func mutateString(
        _ text: String, _ name: String, _ arguments: Arguments, receiverNode: Node, scope: Scope, selfValue: Value,
        at location: SourceLocation
    ) throws -> Value {
        let changed: String
        switch name {
        case "<<", "concat":
            var result = text
            for argument in arguments.positional { result += try stringify(argument, at: location) }
            changed = result
        case "prepend": changed = try arguments.positional.map { try stringify($0, at: location) }.joined() + text
        case "replace": changed = try stringify(arguments.positional.first ?? .null, at: location)
        default:
            changed = try stringify(
                try Builtins.call(.string(text), String(name.dropLast()), arguments, interpreter: self, at: location), at: location)
        }
        try Builtins.checkSize(changed.utf8.count, "string", interpreter: self, at: location)
        if let home = stringHome(receiverNode) {
            try assign(home, .string(changed), scope: scope, selfValue: selfValue, at: location)
        }
        if name.hasSuffix("!"), changed == text { return .null }
        return .string(changed)
    }

    func read(_ target: Node.Target, scope: Scope, selfValue: Value, at location: SourceLocation) throws -> Value {
        switch target {
        case .local(let name): return scope.lookup(name) ?? .null
        case .global(let name): return host.globals[name] ?? .null
        case .instanceVariable(let name): return readInstanceVariable(name, selfValue: selfValue)
        case .constant(let name): return constants[name] ?? .null
        case .attribute(let receiverNode, let name):
            return try Builtins.call(
                try evaluate(receiverNode, scope: scope, selfValue: selfValue), name, Arguments(), interpreter: self, at: location)
        case .index(let receiverNode, let argumentNodes):
            let receiver = try evaluate(receiverNode, scope: scope, selfValue: selfValue)
            return try Builtins.call(
                receiver, "[]", try evaluateArguments(argumentNodes, scope: scope, selfValue: selfValue, at: location), interpreter: self,
                at: location)
        case .splat, .nested:
            throw error("cannot read this target", at: location)
        }
    }

    func assign(_ target: Node.Target, _ value: Value, scope: Scope, selfValue: Value, at location: SourceLocation) throws {
        switch target {
        case .local(let name): scope.assign(name, value)
        case .global(let name): host.globals[name] = value
        case .instanceVariable(let name): writeInstanceVariable(name, value, selfValue: selfValue)
        case .constant(let name):
            if case .object(let type as RubyClass) = selfValue { type.constants[name] = value } else { constants[name] = value }
        case .attribute(let receiverNode, let name):
            let receiver = try evaluate(receiverNode, scope: scope, selfValue: selfValue)
            _ = try Builtins.call(receiver, name + "=", Arguments(positional: [value]), interpreter: self, at: location)
        case .index(let receiverNode, let argumentNodes):
            let receiver = try evaluate(receiverNode, scope: scope, selfValue: selfValue)
            var arguments = try evaluateArguments(argumentNodes, scope: scope, selfValue: selfValue, at: location)
            arguments.positional.append(value)
            _ = try Builtins.call(receiver, "[]=", arguments, interpreter: self, at: location)
        case .splat(let name): scope.assign(name, value)
        case .nested(let targets): try destructure(targets, value, scope: scope, selfValue: selfValue, at: location)
        }
    }

    func destructure(_ targets: [Node.Target], _ value: Value, scope: Scope, selfValue: Value, at location: SourceLocation) throws {
        let items: [Value]
        if case .array(let box) = value { items = box.items } else { items = [value] }
        for (offset, target) in targets.enumerated() {
            if case .splat(let name) = target {
                let rest = offset < items.count ? Array(items[offset..<max(offset, items.count - (targets.count - offset - 1))]) : []
                scope.assign(name, .array(rest))
                continue
            }
            try assign(target, offset < items.count ? items[offset] : .null, scope: scope, selfValue: selfValue, at: location)
        }
    }
}

/// The String methods that change the receiver in place.
enum StringMutation {
    static let methods: Set<String> = [
        "<<", "concat", "prepend", "replace", "gsub!", "sub!", "upcase!", "downcase!", "capitalize!", "swapcase!", "strip!",
        "lstrip!", "rstrip!", "chomp!", "chop!", "squeeze!", "reverse!", "tr!", "delete!", "succ!", "next!", "delete_prefix!",
        "delete_suffix!",
    ]
}
