<?php
/**
 * Ring 2: the plugin's SQL has no shape that makes a read grow with its table on one of the databases it runs on.
 *
 * @package WpfWebhooks\Tests
 */

namespace WpfWebhooks\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The shim's PHP against query shapes that one database answers from an index and another by a scan.
 */
final class SqlShapeTest extends TestCase {

	const SHIM = __DIR__ . '/../../wp-plugin-shim';

	/**
	 * SQLite answers MIN() or MAX() of the primary key from its index only when it is the one aggregate of the
	 * query: `SELECT MIN(id), MAX(id)` scans the table (MariaDB optimises both away). Each end in a subquery of
	 * its own is two index reads on both.
	 */
	public function test_no_select_reads_both_ends_of_a_key_in_one_aggregate(): void {
		$found = array();
		$files = new \RecursiveIteratorIterator( new \RecursiveDirectoryIterator( self::SHIM, \FilesystemIterator::SKIP_DOTS ) );
		foreach ( $files as $file ) {
			if ( 'php' !== $file->getExtension() ) {
				continue;
			}
			foreach ( file( $file->getPathname() ) as $i => $line ) {
				if ( preg_match( '/SELECT\s+(MIN|MAX)\(\s*\w+\s*\)[^()]*,\s*(MIN|MAX)\(/i', $line ) ) {
					$found[] = substr( $file->getPathname(), strlen( self::SHIM ) + 1 ) . ':' . ( $i + 1 ) . ': ' . trim( $line );
				}
			}
		}
		$this->assertSame( array(), $found, "MIN() and MAX() in one SELECT scan the table on SQLite: one subquery each\n" . implode( "\n", $found ) );
	}
}
