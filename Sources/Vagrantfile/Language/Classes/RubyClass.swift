import Foundation

/// A method written in the Vagrantfile (or a file it loads) with `def`.
struct MethodDefinition {
    enum Body {
        case code(parameters: [Parameter], body: [Node])
        /// `attr_reader :name`: answers `@name`.
        case reader(String)
        /// `attr_writer :name`: sets `@name`.
        case writer(String)
        /// A `Struct.new(:a, :b)` class's `initialize`: sets `@a`, `@b` from its arguments in order.
        case fields([String])
        /// A method boxer answers itself (Vagrant's plugin API): given the receiver and the arguments.
        case native((Value, Arguments) throws -> Value)
    }

    var name: String
    var body: Body
    /// The class or module that holds it, where `super` looks further.
    unowned var owner: RubyClass
}

/// A class or module the Vagrantfile defines (`class Foo < Bar`, `module OS`): its methods,
/// constants, the modules it includes and its own (class-level) methods, as Ruby has them.
final class RubyClass: RubyObject {
    let name: String
    let isModule: Bool
    /// The class it inherits from, when that is one of the file's own.
    let superclass: RubyClass?
    /// The built-in class it inherits from (`StandardError`, `Object`), for `is_a?` and `rescue`.
    let builtinAncestor: String
    var methods: [String: MethodDefinition] = [:]
    var constants: [String: Value] = [:]
    var included: [RubyClass] = []
    /// Class-level methods: `def self.x`, `class << self`, `extend`, `module_function`.
    private(set) lazy var singleton = RubyClass(singletonOf: self)
    /// Instance variables of the class object itself (`@count` in a class method).
    var instanceVariables: [String: Value] = [:]
    /// The module or class it was defined in (`module Settings; class Node`), whose constants it sees.
    weak var lexicalParent: RubyClass?
    /// After `module_function`, a module's `def` makes a module method too.
    var moduleFunctions = false
    private weak var singletonOwner: RubyClass?

    init(name: String, isModule: Bool, superclass: RubyClass?, builtinAncestor: String) {
        self.name = name
        self.isModule = isModule
        self.superclass = superclass
        self.builtinAncestor = builtinAncestor
        singletonOwner = nil
    }

    private init(singletonOf owner: RubyClass) {
        name = "#<Class:\(owner.name)>"
        isModule = false
        superclass = nil
        builtinAncestor = "Class"
        singletonOwner = owner
    }

    var typeName: String { isModule ? "Module" : "Class" }

    /// The classes and modules an instance is a kind of, nearest first, ending with the built-in ones.
    var ancestors: [String] {
        var names: [String] = []
        var current: RubyClass? = self
        while let type = current {
            names.append(type.name)
            names += type.included.map(\.name)
            if type.superclass == nil { names += Self.builtinChain(type.builtinAncestor) }
            current = type.superclass
        }
        return names
    }

    static func builtinChain(_ name: String) -> [String] {
        switch name {
        case "StandardError": return ["StandardError", "Exception", "Object"]
        case "RuntimeError", "ArgumentError", "TypeError", "NameError", "KeyError", "IOError", "IndexError":
            return [name, "StandardError", "Exception", "Object"]
        case "Exception": return ["Exception", "Object"]
        default: return [name, "Object"].filter { !$0.isEmpty }
        }
    }

    var isException: Bool { ancestors.contains("Exception") }

    /// Whether `other` is among the modules this one includes, at any depth (to refuse a cycle).
    func includes(_ other: RubyClass) -> Bool {
        included.contains { $0 === other || $0.includes(other) }
    }

    /// An instance method: the class's own, its modules' (last included first), then its superclass's.
    func lookup(_ method: String) -> MethodDefinition? {
        if let found = methods[method] { return found }
        for module in included.reversed() { if let found = module.lookup(method) { return found } }
        if let owner = singletonOwner { return owner.superclass?.singleton.lookup(method) }
        return superclass?.lookup(method)
    }

    /// A method of the class itself (`Foo.build`).
    func classMethod(_ method: String) -> MethodDefinition? { singleton.lookup(method) }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if let found = classMethod(method) {
            return try interpreter.invoke(found, on: .object(self), arguments, at: location)
        }
        if let first = method.first, first.isUppercase, arguments.positional.isEmpty {
            if let value = constant(method) { return value }
            throw interpreter.error("uninitialized constant \(name)::\(method)", at: location, className: "NameError")
        }
        return try ClassBodyMethods.call(self, method, arguments, interpreter: interpreter, at: location)
    }

    /// A constant as code inside this class sees it: its own and its ancestors', then the enclosing modules'.
    func visibleConstant(_ constantName: String) -> Value? {
        var current: RubyClass? = singletonOwner ?? self
        while let type = current {
            if let value = type.constant(constantName) { return value }
            current = type.lexicalParent
        }
        return nil
    }

    /// A constant of this class or module, or of its ancestors.
    func constant(_ constantName: String) -> Value? {
        if let value = constants[constantName] { return value }
        for module in included.reversed() { if let value = module.constant(constantName) { return value } }
        return superclass?.constant(constantName)
    }
}

/// An object of a class the Vagrantfile defines.
final class RubyInstance: RubyObject {
    let type: RubyClass
    var instanceVariables: [String: Value] = [:]
    /// Methods given to this object alone (`obj.extend(Mod)`).
    var extended: [RubyClass] = []

    init(type: RubyClass) { self.type = type }

    var typeName: String { type.name }

    func lookup(_ method: String) -> MethodDefinition? {
        for module in extended.reversed() { if let found = module.lookup(method) { return found } }
        return type.lookup(method)
    }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        if let found = lookup(method) { return try interpreter.invoke(found, on: .object(self), arguments, at: location) }
        return try ObjectMethods.call(self, method, arguments, interpreter: interpreter, at: location)
    }
}
