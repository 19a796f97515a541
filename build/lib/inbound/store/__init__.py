"""All SQL lives here: the schema, the queries per noun, the migrations."""
