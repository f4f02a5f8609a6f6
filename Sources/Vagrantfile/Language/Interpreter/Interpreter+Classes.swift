import Foundation

/// Classes and modules the Vagrantfile (or a helper file it loads) defines: their bodies, `def`
/// in them, `self`, instance variables and `super`.
extension Interpreter {
    /// A method call in progress, for `super`.
    struct Frame {
        var definition: MethodDefinition
        var arguments: Arguments
        var selfValue: Value
    }

    func evaluateTypeDefinition(
        path: Node, superclass superclassNode: Node?, body: [Node], isModule: Bool, selfValue: Value, at location: SourceLocation
    ) throws -> Value {
        guard case .constant(let scopeNode, let name) = path.kind else { throw error("a class needs a constant name", at: location) }
        let container: RubyClass?
        if let scopeNode {
            // Vagrant's classes, and its own plugins' modules under VagrantPlugins, are its code;
            // a plugin of the project's own (a vendored vagrant-reload) is the project's.
            let root = Self.rootName(of: scopeNode)
            if root == "Vagrant" || (root == "VagrantPlugins" && PluginDefinitions.isVagrants(Self.pathName(path))) {
                throw VagrantfileError.vagrantPatched(Self.pathName(path), at: location)
            }
            guard case .object(let outer as RubyClass) = try evaluate(scopeNode, scope: Scope(), selfValue: selfValue) else {
                throw error("\(Self.pathName(scopeNode)) is not a class or module", at: location, className: "TypeError")
            }
            container = outer
        } else if case .object(let outer as RubyClass) = selfValue {
            container = outer
        } else {
            container = nil
        }
        if container == nil, name == "Vagrant" {
            throw VagrantfileError.vagrantPatched(name, at: location)
        }
        if let container, PluginDefinitions.isVagrants("\(container.name)::\(name)") {
            throw VagrantfileError.vagrantPatched("\(container.name)::\(name)", at: location)
        }
        let existing = container.map { $0.constants[name] } ?? host.userConstants[name]
        let type: RubyClass
        if case .object(let found as RubyClass)? = existing {
            type = found
        } else {
            var parent: RubyClass?
            var builtin = isModule ? "" : "Object"
            if let superclassNode {
                switch try evaluate(superclassNode, scope: Scope(), selfValue: selfValue) {
                case .object(let other as RubyClass): parent = other
                case .object(let builtinType as TypeObject): builtin = builtinType.name
                case let other: throw error("superclass must be a Class (\(other.typeName) given)", at: location, className: "TypeError")
                }
            }
            let qualified = container.map { "\($0.name)::\(name)" } ?? name
            type = RubyClass(name: qualified, isModule: isModule, superclass: parent, builtinAncestor: builtin)
            type.lexicalParent = container
            if let container { container.constants[name] = .object(type) } else { host.userConstants[name] = .object(type) }
        }
        _ = try evaluate(body, scope: Scope(), selfValue: .object(type))
        return .null
    }

    static func rootName(of node: Node) -> String {
        if case .constant(let scope, let name) = node.kind { return scope.map(rootName) ?? name }
        return ""
    }

    static func pathName(_ node: Node) -> String {
        if case .constant(let scope, let name) = node.kind { return scope.map { pathName($0) + "::" + name } ?? name }
        return "?"
    }

    /// `def name` in a class body (an instance method), in a method (its class's), or at top level.
    func defineMethod(_ name: String, parameters: [Parameter], body: [Node], selfValue: Value) {
        switch selfValue {
        case .object(let type as RubyClass):
            let definition = MethodDefinition(name: name, body: .code(parameters: parameters, body: body), owner: type)
            type.methods[name] = definition
            if type.moduleFunctions { type.singleton.methods[name] = definition }
        case .object(let instance as RubyInstance):
            instance.type.methods[name] = MethodDefinition(
                name: name, body: .code(parameters: parameters, body: body), owner: instance.type)
        default:
            host.methods[name] = (parameters, body)
        }
    }

    /// `def self.name` / `def Const.name`: a method of that class or module itself.
    func defineSingleton(receiver: Node?, name: String, parameters: [Parameter], body: [Node], scope: Scope, selfValue: Value) throws {
        let target = try receiver.map { try evaluate($0, scope: scope, selfValue: selfValue) } ?? selfValue
        guard case .object(let type as RubyClass) = target else {
            // `def self.x` at top level: a method like any other there.
            host.methods[name] = (parameters, body)
            return
        }
        type.singleton.methods[name] = MethodDefinition(
            name: name, body: .code(parameters: parameters, body: body), owner: type.singleton)
    }

    func evaluateSingletonClass(target: Node, body: [Node], scope: Scope, selfValue: Value, at location: SourceLocation) throws -> Value {
        guard case .object(let type as RubyClass) = try evaluate(target, scope: scope, selfValue: selfValue) else {
            throw error("class << is supported for classes and modules only", at: location, className: "TypeError")
        }
        return try evaluate(body, scope: Scope(), selfValue: .object(type.singleton))
    }

    /// Runs a method of the file's classes with `receiver` as `self`.
    func invoke(_ definition: MethodDefinition, on receiver: Value, _ arguments: Arguments, at location: SourceLocation) throws -> Value {
        switch definition.body {
        case .reader(let name):
            return readInstanceVariable("@" + name, selfValue: receiver)
        case .writer(let name):
            let value = arguments.positional.first ?? .null
            writeInstanceVariable("@" + name, value, selfValue: receiver)
            return value
        case .native(let function):
            return try function(receiver, arguments)
        case .fields(let names):
            for (index, name) in names.enumerated() {
                writeInstanceVariable(
                    "@" + name, index < arguments.positional.count ? arguments.positional[index] : .null, selfValue: receiver)
            }
            return .null
        case .code(let parameters, let body):
            try enter(at: location)
            defer { depth -= 1 }
            frames.append(Frame(definition: definition, arguments: arguments, selfValue: receiver))
            defer { frames.removeLast() }
            givenBlocks.append(arguments.block)
            defer { givenBlocks.removeLast() }
            let scope = Scope()
            try bind(parameters, arguments, into: scope, strict: true, name: definition.name, selfValue: receiver, at: location)
            do {
                return try evaluate(body, scope: scope, selfValue: receiver)
            } catch ControlFlow.returnValue(let value) {
                return value
            }
        }
    }

    /// `super`: the same method further up the class's ancestors, with the given arguments or
    /// (bare `super`) the method's own.
    func superCall(_ argumentNodes: [Node.Argument]?, scope: Scope, selfValue: Value, at location: SourceLocation) throws -> Value {
        guard let frame = frames.last else { throw error("super called outside of a method", at: location, className: "RuntimeError") }
        let arguments =
            try argumentNodes.map { try evaluateArguments($0, scope: scope, selfValue: selfValue, at: location) } ?? frame.arguments
        let owner = frame.definition.owner
        let name = frame.definition.name
        if let next = owner.superclass?.lookup(name) {
            return try invoke(next, on: frame.selfValue, arguments, at: location)
        }
        // The built-in end of the chain: Exception#initialize keeps the message; Object's takes nothing.
        if name == "initialize" {
            if owner.isException, case .object(let instance as RubyInstance) = frame.selfValue {
                instance.instanceVariables["@message"] = arguments.positional.first ?? .string(instance.type.name)
            }
            return .null
        }
        // Object's own methods end every chain (`super` from respond_to?, method_missing, to_s).
        if case .object(let instance as RubyInstance) = frame.selfValue {
            return try ObjectMethods.call(instance, name, arguments, interpreter: self, at: location)
        }
        throw error("super: no superclass method '\(name)'", at: location, className: "NoMethodError")
    }

    func readInstanceVariable(_ name: String, selfValue: Value) -> Value {
        switch selfValue {
        case .object(let instance as RubyInstance): return instance.instanceVariables[name] ?? .null
        case .object(let type as RubyClass): return type.instanceVariables[name] ?? .null
        default: return host.globals[name] ?? .null
        }
    }

    func writeInstanceVariable(_ name: String, _ value: Value, selfValue: Value) {
        switch selfValue {
        case .object(let instance as RubyInstance): instance.instanceVariables[name] = value
        case .object(let type as RubyClass): type.instanceVariables[name] = value
        default: host.globals[name] = value
        }
    }

    /// A method of `self` when `self` is one of the file's objects or classes, for a call without a receiver.
    func selfMethod(_ name: String, selfValue: Value) -> MethodDefinition? {
        switch selfValue {
        case .object(let instance as RubyInstance): return instance.lookup(name)
        case .object(let type as RubyClass): return type.classMethod(name)
        default: return nil
        }
    }

    /// A constant seen from `self`: the class's own and its ancestors', then the program's.
    func lexicalConstant(_ name: String, selfValue: Value) -> Value? {
        switch selfValue {
        case .object(let instance as RubyInstance): if let value = instance.type.visibleConstant(name) { return value }
        case .object(let type as RubyClass): if let value = type.visibleConstant(name) { return value }
        default: break
        }
        if let value = host.userConstants[name] { return value }
        for module in host.includedModules.reversed() { if let value = module.visibleConstant(name) { return value } }
        return nil
    }
}
