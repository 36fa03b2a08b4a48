"""user.session_nonce: signing out ends the session on the server

Revision ID: 7a1e4c2d9b3f
Revises: 5f3c2a1b9d7e
Create Date: 2026-12-01 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7a1e4c2d9b3f'
down_revision = '5f3c2a1b9d7e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.String(length=32), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')
