import Foundation

/// What every class and module the Vagrantfile defines answers: `new`, `attr_accessor`,
/// `include`, `extend`, `module_function`, `name`, `===`, ...
enum ClassBodyMethods {
    /// The ones a class body calls without a receiver (`attr_accessor :name`, `include Helpers`).
    static let names: Set<String> = [
        "attr_accessor", "attr_reader", "attr_writer", "attr", "include", "prepend", "extend", "module_function", "private", "public",
        "protected", "private_class_method", "public_class_method", "private_constant", "new", "name", "const_get", "ancestors",
        "superclass", "instance_variable_get",
    ]

    static func call(_ type: RubyClass, _ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation)
        throws -> Value
    {
        let args = arguments.positional
        switch method {
        case "new":
            guard !type.isModule else {
                throw interpreter.error("undefined method 'new' for module \(type.name)", at: location, className: "NoMethodError")
            }
            let instance = RubyInstance(type: type)
            if let initialize = type.lookup("initialize") {
                _ = try interpreter.invoke(initialize, on: .object(instance), arguments, at: location)
            } else if type.isException {
                // Exception#initialize(message = class name).
                instance.instanceVariables["@message"] = args.first ?? .string(type.name)
            } else if !args.isEmpty {
                throw interpreter.error(
                    "wrong number of arguments (given \(args.count), expected 0)", at: location, className: "ArgumentError")
            }
            return .object(instance)
        case "exception":
            return try call(type, "new", arguments, interpreter: interpreter, at: location)
        case "attr_accessor", "attr_reader", "attr_writer", "attr":
            for name in args.map(\.text) {
                if method != "attr_writer" { type.methods[name] = MethodDefinition(name: name, body: .reader(name), owner: type) }
                if method == "attr_accessor" || method == "attr_writer" {
                    type.methods[name + "="] = MethodDefinition(name: name + "=", body: .writer(name), owner: type)
                }
            }
            return .null
        case "include", "prepend":
            for module in try modules(args, interpreter: interpreter, at: location) where !type.included.contains(where: { $0 === module })
            {
                guard module !== type, !module.includes(type) else {
                    throw interpreter.error("cyclic include detected", at: location, className: "ArgumentError")
                }
                type.included.append(module)
            }
            return .object(type)
        case "extend":
            for module in try modules(args, interpreter: interpreter, at: location) { type.singleton.included.append(module) }
            return .object(type)
        case "module_function":
            if args.isEmpty {
                type.moduleFunctions = true
            } else {
                for name in args.map(\.text) { if let found = type.methods[name] { type.singleton.methods[name] = found } }
            }
            return .null
        case "private", "public", "protected", "private_class_method", "public_class_method", "private_constant":
            // Visibility is not enforced: a Vagrantfile's own objects are all its own.
            return args.first ?? .null
        case "name", "to_s", "inspect": return .string(type.name)
        case "class": return .object(TypeObject(type.typeName))
        case "superclass": return type.superclass.map { .object($0) } ?? .object(TypeObject(type.builtinAncestor))
        case "ancestors": return .array(type.ancestors.map { .string($0) })
        case "===", "is_a?":
            if method == "is_a?" { return .bool(["Class", "Module", "Object"].contains(args.first.map(Self.typeName) ?? "")) }
            return .bool(args.first.map { Self.isKind($0, of: type) } ?? false)
        case "==", "equal?", "eql?":
            if case .object(let other as RubyClass)? = args.first { return .bool(other === type) }
            return .bool(false)
        case "const_get":
            let constantName = args.first?.text ?? ""
            return try type.call(constantName, Arguments(), interpreter: interpreter, at: location)
        case "const_defined?": return .bool(type.constant(args.first?.text ?? "") != nil)
        case "method_defined?", "instance_method", "public_method_defined?": return .bool(type.lookup(args.first?.text ?? "") != nil)
        case "respond_to?":
            return .bool(type.classMethod(args.first?.text ?? "") != nil || ["new", "name"].contains(args.first?.text ?? ""))
        case "instance_variable_get": return type.instanceVariables[args.first?.text ?? ""] ?? .null
        case "freeze", "tap": return .object(type)
        case "nil?", "!": return .bool(false)
        case "hash": return .int(ObjectIdentifier(type).hashValue)
        default:
            throw interpreter.error(
                "undefined method '\(method)' for \(type.typeName.lowercased()) \(type.name)", at: location, className: "NoMethodError")
        }
    }

    static func modules(_ values: [Value], interpreter: Interpreter, at location: SourceLocation) throws -> [RubyClass] {
        try values.map { value in
            guard case .object(let module as RubyClass) = value, module.isModule else {
                throw interpreter.error("wrong argument type \(value.typeName) (expected Module)", at: location, className: "TypeError")
            }
            return module
        }
    }

    static func typeName(_ value: Value) -> String {
        switch value {
        case .object(let type as RubyClass): return type.name
        case .object(let type as TypeObject): return type.name
        default: return value.text
        }
    }

    /// `value.is_a?(type)` for a class of the file's.
    static func isKind(_ value: Value, of type: RubyClass) -> Bool {
        guard case .object(let instance as RubyInstance) = value else { return false }
        return instance.type.ancestors.contains(type.name) || instance.extended.contains { $0 === type }
    }
}

/// What every object of the file's classes answers besides its own methods.
enum ObjectMethods {
    static func call(
        _ object: RubyInstance, _ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation
    )
        throws -> Value
    {
        let args = arguments.positional
        switch method {
        case "class": return .object(object.type)
        case "is_a?", "kind_of?", "instance_of?":
            let name = args.first.map(ClassBodyMethods.typeName) ?? ""
            if method == "instance_of?" { return .bool(object.type.name == name) }
            return .bool(object.type.ancestors.contains(name) || object.extended.contains { $0.name == name })
        case "respond_to?":
            let name = args.first?.text ?? ""
            if object.lookup(name) != nil || ["class", "is_a?", "respond_to?", "to_s", "inspect", "nil?"].contains(name) {
                return .bool(true)
            }
            // Objects that answer through method_missing say which names in respond_to_missing?.
            if let missing = object.lookup("respond_to_missing?") {
                let answer = try interpreter.invoke(
                    missing, on: .object(object), Arguments(positional: [.symbol(name), args.count > 1 ? args[1] : .bool(false)]),
                    at: location)
                return .bool(answer.isTruthy)
            }
            return .bool(false)
        case "respond_to_missing?": return .bool(false)
        case "instance_variable_get": return object.instanceVariables[args.first?.text ?? ""] ?? .null
        case "instance_variable_defined?": return .bool(object.instanceVariables[args.first?.text ?? ""] != nil)
        case "instance_variables": return .array(object.instanceVariables.keys.sorted().map { .symbol($0) })
        case "extend":
            object.extended += try ClassBodyMethods.modules(args, interpreter: interpreter, at: location)
            return .object(object)
        case "message" where object.type.isException, "to_s" where object.type.isException:
            return object.instanceVariables["@message"] ?? .string(object.type.name)
        case "full_message": return .string("\(object.instanceVariables["@message"]?.text ?? object.type.name) (\(object.type.name))")
        case "backtrace": return .null
        case "to_s": return .string("#<\(object.type.name)>")
        case "inspect":
            let fields = object.instanceVariables.keys.sorted().map { "\($0)=\(object.instanceVariables[$0]?.inspect ?? "nil")" }
            return .string("#<\(object.type.name)\(fields.isEmpty ? "" : " " + fields.joined(separator: ", "))>")
        case "==", "equal?", "eql?":
            if case .object(let other as RubyInstance)? = args.first { return .bool(other === object) }
            return .bool(false)
        case "!=":
            if case .object(let other as RubyInstance)? = args.first { return .bool(other !== object) }
            return .bool(true)
        case "nil?", "!": return .bool(false)
        case "freeze", "dup", "clone", "itself": return .object(object)
        case "frozen?": return .bool(false)
        case "hash", "object_id": return .int(ObjectIdentifier(object).hashValue)
        case "tap":
            if let block = arguments.block { _ = try interpreter.callClosure(block, [.object(object)], at: location) }
            return .object(object)
        case "then", "yield_self":
            guard let block = arguments.block else { return .object(object) }
            return try interpreter.callClosure(block, [.object(object)], at: location)
        case "method_missing":
            // The end of the chain (a `super` from the file's own method_missing).
            throw interpreter.error(
                "undefined method '\(args.first?.text ?? "")' for an instance of \(object.type.name)", at: location,
                className: "NoMethodError")
        default:
            if let missing = object.lookup("method_missing") {
                // Settings objects answer their keys this way (`settings.box_name`).
                var forwarded = arguments
                forwarded.positional = [.symbol(method)] + arguments.positional
                return try interpreter.invoke(missing, on: .object(object), forwarded, at: location)
            }
            throw interpreter.error(
                "undefined method '\(method)' for an instance of \(object.type.name)", at: location, className: "NoMethodError")
        }
    }
}

/// A built-in error caught with `rescue => e`: `e.message`, `e.class`, `"#{e}"`.
final class ExceptionObject: RubyObject {
    let error: RubyError
    init(_ error: RubyError) { self.error = error }

    var typeName: String { error.className }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "message", "to_s": return .string(error.message)
        case "class": return .object(TypeObject(error.className))
        case "full_message": return .string("\(error.location): \(error.message) (\(error.className))")
        case "backtrace": return .array([.string("\(error.location)")])
        case "inspect": return .string("#<\(error.className): \(error.message)>")
        case "is_a?", "kind_of?":
            let wanted = arguments.positional.first.map(ClassBodyMethods.typeName) ?? ""
            return .bool(([error.className] + RubyClass.builtinChain(error.className)).contains(wanted))
        default:
            throw interpreter.error(
                "undefined method '\(name)' for an instance of \(error.className)", at: location, className: "NoMethodError")
        }
    }
}
