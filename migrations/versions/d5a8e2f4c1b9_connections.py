"""connections

Services an http node of a menu may call, defined by an admin (ussd/connections/).

Revision ID: d5a8e2f4c1b9
Revises: c3d8f1a2b4e7
Create Date: 2026-11-30 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a8e2f4c1b9'
down_revision = 'c3d8f1a2b4e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('secret_header', sa.String(length=80), nullable=False),
    sa.Column('secret_value', sa.Text(), nullable=False),
    sa.Column('timeout_seconds', sa.Float(), nullable=False),
    sa.Column('allow_private', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_connections_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connections')),
    sa.UniqueConstraint('name', name=op.f('uq_connections_name'))
    )


def downgrade():
    op.drop_table('connections')
