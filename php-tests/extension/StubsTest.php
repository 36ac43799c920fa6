<?php
/**
 * Ring 2: the committed stubs (stubs/wpf_webhooks.stubs.php) describe exactly what the loaded extension has.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The stubs cannot drift from the extension: same functions, same parameters, same types.
 */
final class StubsTest extends TestCase {

	const STUBS     = __DIR__ . '/../../stubs/wpf_webhooks.stubs.php';
	const NAMESPACE = 'WpfWebhooks\\StubCheck';

	/**
	 * The stubs, loaded once into a namespace of their own (the extension's functions are taken in the global
	 * one): lower-case function name => ReflectionFunction.
	 *
	 * @var array<string, \ReflectionFunction>|null
	 */
	private static ?array $stubs = null;

	/**
	 * The stub functions, by name.
	 *
	 * @return array<string, \ReflectionFunction>
	 */
	private static function stubs(): array {
		if ( null === self::$stubs ) {
			$source = (string) file_get_contents( self::STUBS );
			$file   = tempnam( sys_get_temp_dir(), 'wpf-stubs-' );
			file_put_contents( $file, preg_replace( '/^<\?php/', '<?php namespace ' . self::NAMESPACE . ';', $source, 1 ) );
			try {
				require $file;
			} finally {
				unlink( $file );
			}
			$prefix      = strtolower( self::NAMESPACE ) . '\\';
			self::$stubs = array();
			foreach ( get_defined_functions()['user'] as $name ) {
				if ( str_starts_with( $name, $prefix ) ) {
					self::$stubs[ substr( $name, strlen( $prefix ) ) ] = new \ReflectionFunction( $name );
				}
			}
			ksort( self::$stubs );
		}
		return self::$stubs;
	}

	/**
	 * What a caller relies on: parameters (name, type, optional, by reference, variadic) and the return type.
	 *
	 * @param \ReflectionFunction $f A function.
	 */
	private static function signature( \ReflectionFunction $f ): array {
		$params = array();
		foreach ( $f->getParameters() as $p ) {
			$params[] = array(
				'name'      => $p->getName(),
				'type'      => (string) $p->getType(),
				'optional'  => $p->isOptional(),
				'reference' => $p->isPassedByReference(),
				'variadic'  => $p->isVariadic(),
			);
		}
		return array(
			'parameters'       => $params,
			'return'           => (string) $f->getReturnType(),
			'returnsReference' => $f->returnsReference(),
		);
	}

	public function test_the_stubs_declare_every_function_of_the_extension_and_no_other(): void {
		$extension = array_map( 'strtolower', get_extension_funcs( 'wpf_webhooks' ) );
		sort( $extension );
		$this->assertNotEmpty( $extension );
		$this->assertSame( $extension, array_keys( self::stubs() ), 'stubs/wpf_webhooks.stubs.php lists other functions than the extension' );
	}

	public function test_each_stub_has_the_extension_functions_signature(): void {
		foreach ( self::stubs() as $name => $stub ) {
			$this->assertSame( self::signature( new \ReflectionFunction( $name ) ), self::signature( $stub ), "the stub of $name()" );
			$this->assertNotFalse( $stub->getDocComment(), "the stub of $name() says what it does" );
		}
	}

	public function test_the_extension_has_no_classes_or_constants_to_describe(): void {
		$extension = new \ReflectionExtension( 'wpf_webhooks' );
		$this->assertSame( array(), $extension->getClassNames(), 'a class of the extension needs a stub' );
		$this->assertSame( array(), $extension->getConstants(), 'a constant of the extension needs a stub' );
		$this->assertSame( array(), $extension->getINIEntries(), 'an INI entry needs documenting' );
	}
}
