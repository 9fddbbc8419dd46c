// setupFiles of the PostgreSQL projects: the test helpers give each companion a PostgreSQL database.
process.env.WORKFLOWOPS_TEST_DATABASE = 'postgres';
